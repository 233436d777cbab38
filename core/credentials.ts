import { Resource } from "sst/resource";
import { checkUsable, findAccessCode } from "./access-codes";
import { admitOwner, checkAddressLimit } from "./address-limits";
import { TakesError, unauthorized } from "./errors";
import { ownerIdFor } from "./identity";
import type { Job } from "./jobs/model";
import {
  checkCapabilities,
  defaultProvider,
  findModel,
  getProvider,
  keyedProviders,
  listProviders,
  makesSound,
} from "./providers";
import { ProviderFailure, ProviderRejected, type VideoProvider } from "./providers/contract";
import { seal, unseal } from "./sealing";
import { configuredSecret } from "./secrets";
import { startClock, TIME_BUDGETS } from "./time-budgets";

/** Who is calling, and which provider key acts for them. Never log any field but `ownerId`/`kind`. */
export interface ResolvedCredential {
  ownerId: string;
  /** The person's own provider key, or (for an access code) the operator's OpenAI-compatible key. */
  providerCredential: string;
  kind: "brought-key" | "access-code";
  /** A brought key's provider: the only one it runs jobs on. */
  provider?: string;
  /** The brought key sealed for the job record, so the poller can act for the person later. */
  sealed?: string;
  /** The access code's stored hash, where its quota is kept (core/quota.ts). */
  accessCodeHash?: string;
}

/** Longer than any code the operator issues; bounds the work an arbitrary bearer can cause. */
const MAX_ACCESS_CODE_LENGTH = 200;

/** "provider:key": printable, no spaces, of a sane length; the provider checks the rest. */
const NAMED_KEY = /^([a-z]+):([\x21-\x7e]{8,300})$/;

/**
 * A brought key, and the provider it is for: named by a `provider:` prefix ("runway:key_…"), for
 * keys whose format does not tell, or recognised by its format.
 */
function broughtKey(bearer: string): { key: string; provider: VideoProvider } | undefined {
  const named = NAMED_KEY.exec(bearer);
  const explicit = named && keyedProviders().find((provider) => provider.name === named[1]);
  if (explicit) return { key: named[2]!, provider: explicit };
  const provider = keyedProviders().find((candidate) => candidate.ownsKey?.(bearer));
  return provider && { key: bearer, provider };
}

/**
 * A bearer is either the person's own provider key (its format says whose: `sk-…` OpenAI-shaped,
 * `key_…` Runway, `id:secret` fal; or name it, `runway:…`) or an access code the operator issued,
 * which acts with the operator's keys. Anything else is a 401 that does not say which check
 * failed; a code the operator revoked, or one past its expiry, is a 403 that says so. A key's
 * library is keyed by an HMAC of the key alone, so it is the same however it was named. Asked
 * `from` a client's address (a request, not a session already signed in), a key Takes has not seen
 * and a code that does not exist each take one from that address's budget for new credentials.
 */
export async function resolveCredential(
  bearer: string,
  from?: { address: string },
): Promise<ResolvedCredential> {
  const brought = broughtKey(bearer);
  if (brought) {
    const ownerId = ownerIdFor(brought.key);
    if (from) await admitOwner(ownerId, from.address);
    return {
      ownerId,
      providerCredential: brought.key,
      kind: "brought-key",
      provider: brought.provider.name,
      sealed: seal(brought.key),
    };
  }
  // Keys of a provider's shape that did not pass its format check end here too: never a code.
  const code =
    bearer && bearer.length <= MAX_ACCESS_CODE_LENGTH && !bearer.startsWith("sk-")
      ? await findAccessCode(bearer)
      : undefined;
  if (!code) {
    // Guessing codes costs the guesser's address, as inventing keys does.
    if (from) await checkAddressLimit(from.address, "newCredentials");
    throw unauthorized();
  }
  checkUsable(code, new Date());
  return {
    ownerId: ownerIdFor(bearer),
    // Read on use: routes that never call the provider are not linked to the operator's key.
    get providerCredential() {
      return Resource.ProviderKey.value;
    },
    kind: "access-code",
    accessCodeHash: code.codeHash,
  };
}

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
