import { badRequest } from "../errors";
import type { VideoProvider } from "./contract";
import { openaiProvider } from "./openai";

/** Every provider Takes can run jobs on. Adding one: its adapter file, plus one line here. */
const PROVIDERS: readonly VideoProvider[] = [openaiProvider];

export const defaultProvider: VideoProvider = openaiProvider;

export const listProviders = (): readonly VideoProvider[] => PROVIDERS;

/** The provider by name; a name no adapter answers to is the caller's mistake (400). */
export function getProvider(name: string): VideoProvider {
  const provider = PROVIDERS.find((candidate) => candidate.name === name);
  if (!provider)
    throw badRequest("unknown_provider", `There is no video provider named "${name}".`);
  return provider;
}
