/**
 * The providers Takes runs jobs on, and everything derived from what they declare: which model a
 * request names, whether the model can do what it asks, what it should cost, how long it should
 * take. Adding a provider is its declaration (declared/), its adapter file, and one line in
 * PROVIDERS.
 *
 * Only the declarations load with this module. An adapter, and the SDK it calls the provider
 * with, loads the first time one of its calls is made (a dynamic import; with SST's `splitting`
 * each is a chunk of its own), so a function that never calls a provider never loads one.
 */
import { badRequest, TakesError } from "../errors";
import {
  providerFailureToTakesError,
  type CallTime,
  type ModelPrice,
  type OptionalCall,
  type ProviderDeclaration,
  type VideoModel,
  type VideoProvider,
} from "./contract";
import { bedrockDeclared } from "./declared/bedrock";
import { falDeclared } from "./declared/fal";
import { openaiDeclared } from "./declared/openai";
import { openrouterDeclared } from "./declared/openrouter";
import { runwayDeclared } from "./declared/runway";

type Call = "create" | "getStatus" | "download" | OptionalCall;

/** The provider as its declaration, with each call loading the adapter that makes it. */
function loadedOnCall(
  { offers, ...declared }: ProviderDeclaration,
  load: () => Promise<VideoProvider>,
): VideoProvider {
  const forward = <Name extends Call>(name: Name) =>
    (async (...args: unknown[]) => {
      const call = (await load())[name] as (...args: unknown[]) => Promise<unknown>;
      return call(...args);
    }) as VideoProvider[Name];
  const calls = ["create", "getStatus", "download", ...offers] as const;
  return {
    ...declared,
    ...(Object.fromEntries(calls.map((name) => [name, forward(name)])) as Pick<
      VideoProvider,
      "create" | "getStatus" | "download"
    >),
  };
}

/** Every provider Takes can run jobs on, in the order the site offers them. */
// In the picker's order; a key is told apart by the first provider owning it (OpenRouter's
// "sk-or-v1-…" keys would also pass for OpenAI-compatible ones).
const PROVIDERS: readonly VideoProvider[] = [
  loadedOnCall(runwayDeclared, async () => (await import("./runway")).runwayProvider),
  loadedOnCall(falDeclared, async () => (await import("./fal")).falProvider),
  loadedOnCall(openrouterDeclared, async () => (await import("./openrouter")).openrouterProvider),
  loadedOnCall(bedrockDeclared, async () => (await import("./bedrock")).bedrockProvider),
  loadedOnCall(openaiDeclared, async () => (await import("./openai")).openaiProvider),
];

/** The provider a request that names none runs on: the OpenAI shape, as Takes' API has always. */
export const defaultProvider: VideoProvider = PROVIDERS.find(
  (provider) => provider.name === openaiDeclared.name,
)!;

export const listProviders = (): readonly VideoProvider[] => PROVIDERS;

/** The providers a person can bring a key of (sign-in offers these by name). */
export const keyedProviders = (): readonly VideoProvider[] =>
  PROVIDERS.filter((provider) => provider.ownsKey !== undefined);

/** The provider by name; a name no adapter answers to is the caller's mistake (400). */
export function getProvider(name: string): VideoProvider {
  const provider = PROVIDERS.find((candidate) => candidate.name === name);
  if (!provider) {
    throw badRequest(
      "unknown_provider",
      `There is no video provider named "${name}". Choose from: ${PROVIDERS.map((p) => p.name).join(", ")}.`,
      "provider",
    );
  }
  return provider;
}

/** Dated slugs ("sora-2-pro-2025-10-06") are their model family. */
const modelFamily = (model: string) => model.replace(/-\d{4}-\d{2}-\d{2}$/, "");

/** The provider's model a request names, or undefined. */
export const findModel = (provider: VideoProvider, model: string): VideoModel | undefined =>
  provider.models.find((candidate) => candidate.id === model) ??
  provider.models.find((candidate) => candidate.id === modelFamily(model));

const oneOf = (values: readonly unknown[]) => values.join(", ");

/** The model, or 400 naming the ones the provider has. */
export function getModel(provider: VideoProvider, model: string): VideoModel {
  const found = findModel(provider, model);
  if (!found) {
    throw badRequest(
      "unknown_model",
      `${provider.label} has no model "${model}". Choose a model from: ${oneOf(provider.models.map((m) => m.id))}.`,
      "model",
    );
  }
  return found;
}

/** What a request asks of a model; settings it leaves out are not checked. */
export interface ModelRequest {
  model?: string;
  seconds?: number;
  size?: string;
  firstFrame?: boolean;
  lastFrame?: boolean;
}

/**
 * Checks a request against what the model declares, before anything is written: a setting it
 * cannot do is a 400 naming what it accepts. Without a model named, the settings are checked
 * against what any of the provider's models can do (a prompt to improve need not name them all).
 */
export function checkCapabilities(provider: VideoProvider, request: ModelRequest) {
  const models =
    request.model === undefined ? provider.models : [getModel(provider, request.model)];
  const subject = request.model === undefined ? provider.label : models[0]!.label;
  const accepted = <T>(pick: (model: VideoModel) => readonly T[]) => [
    ...new Set(models.flatMap(pick)),
  ];
  const sizes = accepted((model) => model.sizes);
  if (request.size !== undefined && !sizes.includes(request.size)) {
    throw badRequest("unknown_size", `${subject} makes these sizes: ${oneOf(sizes)}.`, "size");
  }
  const seconds = accepted((model) => model.seconds).sort((a, b) => a - b);
  if (request.seconds !== undefined && !seconds.includes(request.seconds)) {
    throw badRequest(
      "unknown_seconds",
      `${subject} makes clips of ${oneOf(seconds)} seconds.`,
      "seconds",
    );
  }
  if (request.firstFrame && !models.some((model) => model.images.firstFrame)) {
    throw badRequest(
      "reference_unsupported",
      `${subject} does not start from a reference image.`,
      "reference",
    );
  }
  if (request.lastFrame && !models.some((model) => model.images.lastFrame)) {
    throw badRequest(
      "last_frame_unsupported",
      `${subject} does not take a last frame.`,
      "lastFrame",
    );
  }
}

/** Whether a clip of this model has sound, given what the request asked. */
export const makesSound = (model: VideoModel, asked: boolean | undefined) =>
  model.sound === "always" || (model.sound === "optional" && asked !== false);

/**
 * The list price per second that applies: the first rule whose sizes and sound match. Undefined
 * when none is known. Also read by the smoke test, on the catalogue a deployed stage serves.
 */
export function pricePerSecond(
  price: Pick<ModelPrice, "perSecond"> | undefined,
  size: string,
  sound: boolean,
) {
  return price?.perSecond.find(
    (rule) =>
      (rule.sizes === undefined || rule.sizes.includes(size)) &&
      (rule.sound === undefined || rule.sound === sound),
  )?.usd;
}

export interface CostQuestion {
  provider: string;
  model: string;
  seconds: number;
  size: string;
  /** Asked for sound (models whose sound is optional); defaults to the model's own. */
  sound?: boolean;
}

/**
 * USD for one video at the provider's list price, or undefined when none is known (an unknown
 * provider or model, a size it was never sold at). An estimate for the person's own budgeting.
 */
export function estimateCostUsd(question: CostQuestion): number | undefined {
  const provider = PROVIDERS.find((candidate) => candidate.name === question.provider);
  const model = provider && findModel(provider, question.model);
  if (!model || !Number.isFinite(question.seconds) || question.seconds <= 0) return undefined;
  const usd = pricePerSecond(model.price, question.size, makesSound(model, question.sound));
  // In cents first: the sums stay exact.
  return usd === undefined ? undefined : Math.round(usd * 100 * question.seconds) / 100;
}

/** A model Takes has no declaration for (a provider that changed its catalogue): a cautious prior. */
const UNKNOWN_MODEL_TIME = { base: 30, perOutputSecond: 15 };

/** How long the provider should take to generate `seconds` of video with `model`, in seconds. */
export function expectedGenerationSeconds(job: {
  provider: string;
  model: string;
  seconds: number;
}): number {
  const provider = PROVIDERS.find((candidate) => candidate.name === job.provider);
  const time = (provider && findModel(provider, job.model)?.typicalTime) ?? UNKNOWN_MODEL_TIME;
  return time.base + time.perOutputSecond * job.seconds;
}

/**
 * A provider call made while a person waits: its failures reach them as their fitting 4xx/5xx, and
 * a call that ran out of its `time` (whatever the SDK made of the abort) as 504.
 */
export async function askProvider<T>(call: () => Promise<T>, time?: CallTime): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (time?.signal.aborted) {
      throw new TakesError(
        504,
        "provider_timeout",
        `The provider did not answer within ${Math.round(time.timeoutMs / 1000)} seconds; ` +
          "nothing was recorded or charged to your quota. Try again shortly.",
      );
    }
    throw providerFailureToTakesError(error) ?? error;
  }
}
