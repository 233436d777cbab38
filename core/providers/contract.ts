import { TakesError } from "../errors";
import { TIME_BUDGETS, type CallTime } from "../time-budgets";
import { withoutSecrets } from "../redact";
import type { ImageInputs, ModelPrice, SoundSupport } from "./model-schemas";

export type { CallTime, ImageInputs, ModelPrice, SoundSupport };

/**
 * What every video provider adapter implements. Nothing outside core/providers/ may know which
 * provider a job runs on beyond its name and what it declares here (docs/design.md): capabilities
 * are declared per model, and the API's validation, the site's picker, cost estimates and the
 * polling schedule's priors are all derived from these declarations.
 */

/** The files a provider can hand over for a finished job. */
export type ProviderVariant = "video" | "thumbnail" | "spritesheet";

/** A price per second that differs only by sound: a rule for each. */
export const pricedBySound = (usd: { silent: number; sound: number }) => [
  { usd: usd.silent, sound: false },
  { usd: usd.sound, sound: true },
];

/** One model as a provider offers it through Takes. */
export interface VideoModel {
  /** As the provider names it, and as requests name it ("gen4.5", "veo3.1"). */
  id: string;
  /** As people read it ("Gen-4.5", "Veo 3.1"). */
  label: string;
  /** The durations it accepts, in whole seconds. */
  seconds: readonly number[];
  /** The output sizes it delivers, "WIDTHxHEIGHT" (mapped from the provider's own vocabulary). */
  sizes: readonly string[];
  images: ImageInputs;
  /** Whether the clip has a soundtrack: always, never, or as the request asks (it may cost more). */
  sound: SoundSupport;
  /** Whether a finished take can be remixed with a new prompt on the provider. */
  remix: boolean;
  /** Undefined where the provider publishes no price for it. */
  price?: ModelPrice;
  /**
   * How long a generation usually takes, in seconds: a fixed start-up plus a cost per second of
   * output. Only a prior for the polling schedule and progress estimates: a job's own reports
   * take over.
   */
  typicalTime: { base: number; perOutputSecond: number };
}

export interface ReferenceImage {
  bytes: Uint8Array;
  contentType: string;
}

export interface CreateVideoRequest {
  /** Takes' id for the job about to be recorded: an idempotency token where the provider takes one. */
  jobId: string;
  model: string;
  prompt: string;
  seconds: number;
  size: string;
  /** For models whose sound is "optional". */
  sound: boolean;
  firstFrame?: ReferenceImage;
  lastFrame?: ReferenceImage;
  /** Where the provider may post its completion webhook, when it sends them and Takes wants them. */
  webhookUrl?: string;
  /** The person is waiting: one attempt, never retried by the SDK, ended by `time.signal`. */
  time: CallTime;
}

/** A remix of a finished job: a new job with a new prompt, asked as a create is. */
export interface RemixRequest {
  /** Takes' id for the new job: an idempotency token where the provider takes one. */
  jobId: string;
  prompt: string;
  time: CallTime;
}

/** What a provider charged (or, before it finished, expects to charge) for a job. */
export interface ProviderCost {
  usd: number;
  /** In the provider's own unit, where it bills in one (Runway's credits). */
  credits?: number;
}

export interface CreatedJob {
  providerJobId: string;
  /** The provider's own estimate, when it gives one at create. */
  estimatedCost?: ProviderCost;
}

/** The job as an adapter needs to know it to ask about it. */
export interface ProviderJobRef {
  providerJobId: string;
  model: string;
}

/** A provider's view of a job, in Takes' terms. */
export interface NormalisedStatus {
  status: "queued" | "in_progress" | "completed" | "failed";
  /** 0-100, where the provider reports progress; undefined where it reports none. */
  progress?: number;
  /** Where the job waits in the provider's queue, when it says. */
  queuePosition?: number;
  /** Why it failed, when it did. */
  error?: { code: string; message: string };
  /** ISO. */
  completedAt?: string;
  /** ISO: when the provider stops serving the finished files. */
  expiresAt?: string;
  /** What the job cost, once the provider says. */
  cost?: ProviderCost;
}

export interface DownloadedContent {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength?: number;
}

/** What a provider says of a key it was asked to check: it works, and what the account holds. */
export interface KeyCheck {
  /** A line for the person, e.g. "4,950 credits left"; undefined when the provider says nothing. */
  balance?: string;
}

/** A webhook delivery as received: the raw body its signature covers, lower-case headers. */
export interface WebhookDelivery {
  body: Buffer;
  headers: Record<string, string | undefined>;
}

/**
 * How long a text or image model's answer may take, retries and their waits included: the tools'
 * share of their time budget (core/time-budgets.ts), so Takes gives up before API Gateway does.
 */
export const INTERACTIVE_DEADLINE_MS = TIME_BUDGETS.tool.providerMs;

/** A request to a provider's text model: a rewrite of `input` following `instructions`. */
export interface WriteRequest {
  instructions: string;
  input: string;
  /** A model other than the adapter's default (the operator's TAKES_TEXT_MODEL). */
  model?: string;
  /** The person is waiting: the call stops when this aborts. */
  signal: AbortSignal;
}

/** A request to a provider's image model: a picture for `prompt`, as near `size` as it draws. */
export interface DrawRequest {
  prompt: string;
  /** "WIDTHxHEIGHT": Takes fits whatever comes back to exactly this. */
  size: string;
  model?: string;
  signal: AbortSignal;
}

/** `credential` is the provider key acting for the person; adapters must never log or echo it. */
export interface VideoProvider {
  /** Takes' name for it: "openai", "runway", "fal". */
  name: string;
  label: string;
  models: readonly VideoModel[];
  /** The files it hands over for a finished job (the video always). */
  variants: readonly ProviderVariant[];
  /** Whether its status reports progress; where not, Takes shows an estimate from elapsed time. */
  reportsProgress: boolean;
  /**
   * The SST secret that sets the provider up for access codes: the operator's key for it (or, for
   * a provider reached with the functions' own AWS role, the region). "none" leaves it unset.
   */
  operatorSecret: string;
  /**
   * Whether a brought key looks like this provider's (its format), to tell keys apart. Absent
   * where no one brings a key (Bedrock runs on the operator's own AWS account only).
   */
  ownsKey?(credential: string): boolean;
  create(credential: string, request: CreateVideoRequest): Promise<CreatedJob>;
  getStatus(credential: string, job: ProviderJobRef): Promise<NormalisedStatus>;
  /**
   * For a provider that writes the finished video into Takes' own bucket (Bedrock): where, so the
   * copy adopts it server-side instead of downloading it. `jobId` is Takes' id for the job.
   */
  storedOutputKey?(job: ProviderJobRef & { jobId: string }): string;
  /** Throws ContentExpired once the provider's copy lapsed, ContentNotAvailable before it exists. */
  download(
    credential: string,
    job: ProviderJobRef,
    variant: ProviderVariant,
  ): Promise<DownloadedContent>;
  remix?(credential: string, job: ProviderJobRef, request: RemixRequest): Promise<CreatedJob>;
  /** Cancels a running job and deletes a finished one's files, where the provider can. */
  delete?(credential: string, job: ProviderJobRef): Promise<void>;
  /** The provider's text model, for prompt improvement, where it has one: the rewritten text. */
  writeText?(credential: string, request: WriteRequest): Promise<string>;
  /** The provider's image model, for reference images, where it has one: the image's bytes. */
  drawImage?(credential: string, request: DrawRequest): Promise<Uint8Array>;
  /**
   * Checks a key cheaply with the provider, in one attempt within `time`: throws ProviderRejected
   * (401/403) when it refuses it.
   */
  checkKey?(credential: string, time: CallTime): Promise<KeyCheck>;
  /**
   * Verifies a webhook delivery's signature (throwing a 401 TakesError when it does not hold) and
   * returns the provider job id it reports finished, or undefined for an event that needs no poll.
   * Absent where the provider sends no webhooks.
   */
  acceptWebhook?(delivery: WebhookDelivery, now: number): Promise<string | undefined>;
}

/** The calls a provider may make beyond create, status and download. */
export type OptionalCall = "remix" | "delete" | "writeText" | "drawImage" | "checkKey";

/**
 * A provider without its SDK: what it declares, and what Takes does for it without calling it
 * (telling its keys apart, checking its webhooks' signatures, naming where it stores a video).
 * Everything that only reads declarations loads this, never the adapter (core/providers/index.ts).
 */
export type ProviderDeclaration<Offers extends OptionalCall = OptionalCall> = Omit<
  VideoProvider,
  "create" | "getStatus" | "download" | OptionalCall
> & {
  /** The optional calls its adapter makes, known before the adapter is loaded. */
  offers: readonly Offers[];
};

/** Declares a provider, keeping its `offers` as the exact calls named. */
export const declareProvider = <const Offers extends OptionalCall>(
  declaration: ProviderDeclaration<Offers>,
) => declaration;

/** An adapter's calls: the three every provider makes, and exactly the optional ones it offers. */
export type ProviderCalls<Offers extends OptionalCall> = Pick<
  VideoProvider,
  "create" | "getStatus" | "download"
> &
  Required<Pick<VideoProvider, Offers>>;

/** The adapter: a provider's declaration with its calls. */
export function adapter<Offers extends OptionalCall>(
  { offers: _offers, ...declaration }: ProviderDeclaration<Offers>,
  calls: ProviderCalls<Offers>,
): VideoProvider {
  return { ...declaration, ...calls };
}

/**
 * Base of the typed failures adapters throw; anything else escaping an adapter is a bug. The
 * message may quote the provider, which may quote what it was sent: keys are taken out here.
 */
export abstract class ProviderFailure extends Error {
  constructor(message?: string) {
    super(message === undefined ? undefined : withoutSecrets(message));
  }
}

/** Too many requests: try again after `retryAfterMs`. */
export class ProviderRateLimited extends ProviderFailure {
  override readonly name = "ProviderRateLimited";
  constructor(
    readonly retryAfterMs: number,
    message = "The video provider is rate limiting requests.",
  ) {
    super(message);
  }
}

/** A 5xx, a timeout or no connection: transient, worth retrying later. */
export class ProviderUnavailable extends ProviderFailure {
  override readonly name = "ProviderUnavailable";
  constructor(message = "The video provider is unavailable.") {
    super(message);
  }
}

/** The provider refused the request (a 4xx): retrying the same request will not help. */
export class ProviderRejected extends ProviderFailure {
  override readonly name = "ProviderRejected";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The request field the provider named as the problem, in Takes' terms ("prompt"). */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The provider no longer serves the finished file: the job's copy window closed. */
export class ContentExpired extends ProviderFailure {
  override readonly name = "ContentExpired";
  constructor(message = "The provider no longer serves this video.") {
    super(message);
  }
}

/** The file does not exist (yet), e.g. the job is not finished or the variant is not offered. */
export class ContentNotAvailable extends ProviderFailure {
  override readonly name = "ContentNotAvailable";
  constructor(message = "The provider has no such file for this job.") {
    super(message);
  }
}

/**
 * How a provider failure reaches a person making a request (create, remix): a rejection keeps the
 * provider's 4xx, code and message (they describe the person's own request); rate limits and
 * outages become 429 / 503. Undefined for anything that is not a provider failure.
 */
export function providerFailureToTakesError(error: unknown): TakesError | undefined {
  if (error instanceof ProviderRejected) {
    const status = error.status >= 400 && error.status < 500 ? error.status : 400;
    return new TakesError(status, `provider_${error.code}`, error.message, {
      field: error.field,
    });
  }
  if (error instanceof ProviderRateLimited) {
    return new TakesError(429, "provider_rate_limited", error.message, {
      retryAfterSeconds: Math.max(1, Math.ceil(error.retryAfterMs / 1000)),
    });
  }
  if (error instanceof ProviderUnavailable) {
    return new TakesError(503, "provider_unavailable", error.message);
  }
  if (error instanceof ContentExpired || error instanceof ContentNotAvailable) {
    return new TakesError(410, "content_unavailable", error.message);
  }
  return undefined;
}
