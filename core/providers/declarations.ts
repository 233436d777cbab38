/**
 * The providers as they declare themselves, in the order the site offers them, and everything
 * derived from what they declare: whose format a key has, which model a request names, whether the
 * model can do what it asks, what it should cost, how long it should take. No adapter and no SDK is
 * reachable from here, so a function that only reads declarations (the library, shares, webhooks,
 * signing in) neither loads nor packages one; the providers with their calls are index.ts's.
 */
import { badRequest } from "../errors";
import type { ModelPrice, ProviderDeclaration, VideoModel } from "./contract";
import { bedrockDeclared } from "./declared/bedrock";
import { falDeclared } from "./declared/fal";
import { openaiDeclared } from "./declared/openai";
import { openrouterDeclared } from "./declared/openrouter";
import { runwayDeclared } from "./declared/runway";

/** What a provider declares, the calls its adapter offers aside. */
export type Declared = Omit<ProviderDeclaration, "offers">;

// In the picker's order; a key is told apart by the first provider owning it (OpenRouter's
// "sk-or-v1-…" keys would also pass for OpenAI-compatible ones).
export const DECLARED: readonly ProviderDeclaration[] = [
  runwayDeclared,
  falDeclared,
  openrouterDeclared,
  bedrockDeclared,
  openaiDeclared,
];

/** The provider's declaration, or undefined for a name none answers to. */
export const findDeclared = (name: string): ProviderDeclaration | undefined =>
  DECLARED.find((provider) => provider.name === name);

/** The provider's declaration; a name none answers to is the caller's mistake (400). */
export function getDeclared(name: string): ProviderDeclaration {
  const provider = findDeclared(name);
  if (!provider) {
    throw badRequest(
      "unknown_provider",
      `There is no video provider named "${name}". Choose from: ${DECLARED.map((p) => p.name).join(", ")}.`,
      "provider",
    );
  }
  return provider;
}

/** The providers a person can bring a key of (sign-in offers these by name). */
export const keyedProviders = (): readonly ProviderDeclaration[] =>
  DECLARED.filter((provider) => provider.ownsKey !== undefined);

/** Dated slugs ("sora-2-pro-2025-10-06") are their model family. */
const modelFamily = (model: string) => model.replace(/-\d{4}-\d{2}-\d{2}$/, "");

/** The provider's model a request names, or undefined. */
export const findModel = (
  provider: Pick<Declared, "models">,
  model: string,
): VideoModel | undefined =>
  provider.models.find((candidate) => candidate.id === model) ??
  provider.models.find((candidate) => candidate.id === modelFamily(model));

const oneOf = (values: readonly unknown[]) => values.join(", ");

/** The model, or 400 naming the ones the provider has. */
export function getModel(provider: Pick<Declared, "label" | "models">, model: string): VideoModel {
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
export function checkCapabilities(
  provider: Pick<Declared, "label" | "models">,
  request: ModelRequest,
) {
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
  const provider = findDeclared(question.provider);
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
  const provider = findDeclared(job.provider);
  const time = (provider && findModel(provider, job.model)?.typicalTime) ?? UNKNOWN_MODEL_TIME;
  return time.base + time.perOutputSecond * job.seconds;
}
