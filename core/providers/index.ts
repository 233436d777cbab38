import { badRequest } from "../errors";
import { providerFailureToTakesError, type VideoProvider } from "./contract";
import { openaiProvider } from "./openai";

/** Every provider Takes can run jobs on. Adding one: its adapter file, plus one line here. */
const PROVIDERS: readonly VideoProvider[] = [openaiProvider];

export const defaultProvider: VideoProvider = openaiProvider;

export const listProviders = (): readonly VideoProvider[] => PROVIDERS;

/** The provider by name; a name no adapter answers to is the caller's mistake (400). */
export function getProvider(name: string): VideoProvider {
  const provider = PROVIDERS.find((candidate) => candidate.name === name);
  if (!provider) {
    throw badRequest("unknown_provider", `There is no video provider named "${name}".`, "provider");
  }
  return provider;
}

/**
 * Checks a request against what the provider declares it can do, before anything is written.
 * Settings a request leaves out (a prompt to improve need not name them all) are not checked.
 */
export function checkCapabilities(
  provider: VideoProvider,
  request: { model?: string; size?: string; seconds?: number },
) {
  const { models, sizes, seconds } = provider.capabilities;
  const oneOf = (values: readonly unknown[]) => values.join(", ");
  if (request.model !== undefined && !models.includes(request.model)) {
    throw badRequest("unknown_model", `Choose a model from: ${oneOf(models)}.`, "model");
  }
  if (request.size !== undefined && !sizes.includes(request.size)) {
    throw badRequest("unknown_size", `Choose a size from: ${oneOf(sizes)}.`, "size");
  }
  if (request.seconds !== undefined && !seconds.includes(request.seconds)) {
    throw badRequest(
      "unknown_seconds",
      `Choose a duration from: ${oneOf(seconds)} seconds.`,
      "seconds",
    );
  }
}

/** A provider call made while a person waits: its failures reach them as their fitting 4xx/5xx. */
export async function askProvider<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw providerFailureToTakesError(error) ?? error;
  }
}
