/**
 * Which providers a caller's requests run on, and the key that acts on each: a brought key on its
 * own provider, an access code on the operator's keys. Apart from core/credentials.ts (who the
 * caller is) because these hand out providers with their calls: a function that only needs to
 * know its caller reaches no adapter.
 */
import { TakesError } from "./errors";
import type { ResolvedCredential } from "./credentials";
import type { Job } from "./jobs/model";
import { defaultProvider, getProvider, listProviders } from "./providers";
import { ProviderFailure, ProviderRejected, type VideoProvider } from "./providers/contract";
import { checkCapabilities, findModel, makesSound } from "./providers/declarations";
import { unseal } from "./sealing";
import { configuredSecret } from "./secrets";
import { startClock, TIME_BUDGETS } from "./time-budgets";

/** The operator's key for a provider, or undefined when the operator has not configured it. */
export function operatorKey(provider: VideoProvider): string | undefined {
  return configuredSecret(provider.operatorSecret);
}

/** The providers a caller can run jobs on: a brought key's own; for a code, every configured one. */
export function providersFor(caller: ResolvedCredential): VideoProvider[] {
  if (caller.kind === "brought-key") {
    return listProviders().filter((provider) => provider.name === caller.provider);
  }
  return listProviders().filter((provider) => operatorKey(provider) !== undefined);
}

/**
 * The provider a request runs on: the one it names, else the first of the caller's providers
 * that has the model it names (a brought key has just its own), else the default.
 */
export function providerFor(
  caller: ResolvedCredential,
  request: { provider?: string; model?: string },
): VideoProvider {
  if (request.provider) return getProvider(request.provider);
  const own = providersFor(caller);
  const model = request.model;
  return (
    (model !== undefined && own.find((provider) => findModel(provider, model))) ||
    own[0] ||
    defaultProvider
  );
}

/**
 * The key that acts for the caller on `provider`: a brought key on its own provider only; an
 * access code on the operator's key where the operator configured one. 403 otherwise, saying why.
 */
export function credentialFor(caller: ResolvedCredential, provider: VideoProvider): string {
  if (caller.kind === "brought-key") {
    if (caller.provider === provider.name) return caller.providerCredential;
    const own = caller.provider ? getProvider(caller.provider).label : "provider";
    throw new TakesError(
      403,
      "provider_not_allowed",
      `Your ${own} key runs ${own}'s models only: ${provider.label} needs its own key, or an access code.`,
      { field: "provider" },
    );
  }
  const key = operatorKey(provider);
  if (!key) {
    throw new TakesError(
      403,
      "provider_not_configured",
      `${provider.label} is not set up on this Takes: choose another provider.`,
      { field: "provider" },
    );
  }
  return key;
}

/**
 * The key the poller and copier use for a job: the person's own while sealed on it, else the
 * operator's for the job's provider (OpenAI-compatible for jobs from before providers were named).
 */
export function credentialForJob(
  job: Pick<Job, "sealedCredential"> & { provider?: string },
): string {
  if (job.sealedCredential) return unseal(job.sealedCredential);
  const provider = getProvider(job.provider ?? "openai");
  const key = operatorKey(provider);
  if (!key) throw new Error(`No operator key is configured for ${provider.name}`);
  return key;
}

/**
 * Checks a clip's settings for the tools that prepare one (prompt improvement, reference images):
 * against the model when the request names one, else against every model the caller can use.
 * Says whether the clip may have sound, so a prompt may describe it.
 */
export function checkClipSettings(
  caller: ResolvedCredential,
  request: { provider?: string; model?: string; seconds?: number; size?: string; sound?: boolean },
): { sound: boolean } {
  if (request.provider !== undefined || request.model !== undefined) {
    const provider = providerFor(caller, request);
    checkCapabilities(provider, request);
    const model = request.model === undefined ? undefined : findModel(provider, request.model);
    return { sound: model ? makesSound(model, request.sound) : true };
  }
  const candidates = providersFor(caller);
  const refusals: unknown[] = [];
  for (const provider of candidates.length ? candidates : [defaultProvider]) {
    try {
      checkCapabilities(provider, request);
      return { sound: provider.models.some((model) => model.sound !== "never") };
    } catch (error) {
      refusals.push(error);
    }
  }
  throw refusals[0];
}

/**
 * Asks a brought key's provider whether it takes the key, where it has a cheap way to say
 * (Runway's organization endpoint): a refusal is a 401 that names the provider. An outage lets
 * the key through (its first job will tell); access codes are Takes' own and need no asking.
 */
export async function verifyBroughtKey(caller: ResolvedCredential): Promise<void> {
  if (caller.kind !== "brought-key" || !caller.provider) return;
  const provider = getProvider(caller.provider);
  if (!provider.checkKey) return;
  const time = startClock(TIME_BUDGETS.accountCheck).providerCall();
  try {
    await provider.checkKey(caller.providerCredential, time);
  } catch (error) {
    if (error instanceof ProviderRejected && (error.status === 401 || error.status === 403)) {
      throw new TakesError(
        401,
        "key_refused",
        `${provider.label} refused this key: ${error.message}`,
      );
    }
    if (!(error instanceof ProviderFailure)) throw error;
  }
}
