/**
 * The providers Takes runs jobs on, with their calls. Adding a provider is its declaration
 * (declared/, listed in declarations.ts), its adapter file, and one line in ADAPTERS.
 *
 * Only the declarations load with this module. An adapter, and the SDK it calls the provider
 * with, loads the first time one of its calls is made (a dynamic import; with SST's `splitting`
 * each is a chunk of its own), so a function that never calls a provider never loads one. A
 * module that only reads what providers declare imports declarations.ts instead, so that a function
 * that never calls one does not package the adapters either.
 */
import { TakesError } from "../errors";
import {
  providerFailureToTakesError,
  type CallTime,
  type OptionalCall,
  type ProviderDeclaration,
  type VideoProvider,
} from "./contract";
import { DECLARED, getDeclared } from "./declarations";
import { bedrockDeclared } from "./declared/bedrock";
import { falDeclared } from "./declared/fal";
import { openaiDeclared } from "./declared/openai";
import { openrouterDeclared } from "./declared/openrouter";
import { runwayDeclared } from "./declared/runway";

type Call = "create" | "getStatus" | "download" | OptionalCall;

/** Each provider's adapter, by name: loaded by the first call made to it. */
const ADAPTERS: Record<string, () => Promise<VideoProvider>> = {
  [runwayDeclared.name]: async () => (await import("./runway")).runwayProvider,
  [falDeclared.name]: async () => (await import("./fal")).falProvider,
  [openrouterDeclared.name]: async () => (await import("./openrouter")).openrouterProvider,
  [bedrockDeclared.name]: async () => (await import("./bedrock")).bedrockProvider,
  [openaiDeclared.name]: async () => (await import("./openai")).openaiProvider,
};

/** The provider as its declaration, with each call loading the adapter that makes it. */
function loadedOnCall({ offers, ...declared }: ProviderDeclaration): VideoProvider {
  const load = ADAPTERS[declared.name];
  if (!load) throw new Error(`No adapter for the declared provider ${declared.name}`);
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
const PROVIDERS: readonly VideoProvider[] = DECLARED.map(loadedOnCall);

/** The provider a request that names none runs on: the OpenAI shape, as Takes' API has always. */
export const defaultProvider: VideoProvider = PROVIDERS.find(
  (provider) => provider.name === openaiDeclared.name,
)!;

export const listProviders = (): readonly VideoProvider[] => PROVIDERS;

/** The provider by name; a name no adapter answers to is the caller's mistake (400). */
export function getProvider(name: string): VideoProvider {
  const { name: found } = getDeclared(name);
  return PROVIDERS.find((provider) => provider.name === found)!;
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
