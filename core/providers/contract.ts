import { TakesError } from "../errors";

/**
 * What every video provider adapter implements. Nothing outside core/providers/ may know which
 * provider a job runs on beyond its name and these capabilities (DESIGN.md).
 */

/** The files a provider can hand over for a finished job. */
export type ProviderVariant = "video" | "thumbnail" | "spritesheet";

export interface ProviderCapabilities {
  models: string[];
  /** "WIDTHxHEIGHT". */
  sizes: string[];
  seconds: number[];
  /** Accepts a reference image as the first frame / guide. */
  imageInput: boolean;
  /** Generates a soundtrack with the video, so prompts may describe sound. */
  audio: boolean;
  remix: boolean;
  variants: ProviderVariant[];
  /** Sends completion webhooks (polling stays on regardless). */
  webhooks: boolean;
}

export interface ReferenceImage {
  bytes: Uint8Array;
  contentType: string;
}

export interface CreateVideoRequest {
  model: string;
  prompt: string;
  seconds: number;
  size: string;
  reference?: ReferenceImage;
}

/** A provider's view of a job, in Takes' terms. */
export interface NormalisedStatus {
  status: "queued" | "in_progress" | "completed" | "failed";
  /** 0-100. */
  progress: number;
  /** Why it failed, when it did. */
  error?: { code: string; message: string };
  /** ISO. */
  completedAt?: string;
  /** ISO: when the provider stops serving the finished files. */
  expiresAt?: string;
}

export interface DownloadedContent {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength?: number;
}

/** `credential` is the provider key acting for the person; adapters must never log or echo it. */
export interface VideoProvider {
  name: string;
  capabilities: ProviderCapabilities;
  create(credential: string, request: CreateVideoRequest): Promise<{ providerJobId: string }>;
  getStatus(credential: string, providerJobId: string): Promise<NormalisedStatus>;
  /** Throws ContentExpired once the provider's copy lapsed, ContentNotAvailable before it exists. */
  download(
    credential: string,
    providerJobId: string,
    variant: ProviderVariant,
  ): Promise<DownloadedContent>;
  remix?(
    credential: string,
    providerJobId: string,
    prompt: string,
  ): Promise<{ providerJobId: string }>;
  delete?(credential: string, providerJobId: string): Promise<void>;
  /**
   * For a webhook event whose signature Takes already verified: the provider job id it reports
   * finished (completed or failed), or undefined for an event that needs no poll.
   */
  finishedJobInWebhook?(event: unknown): string | undefined;
}

/** Base of the typed failures adapters throw; anything else escaping an adapter is a bug. */
export abstract class ProviderFailure extends Error {}

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
