import { Resource } from "sst/resource";
import { checkUsable, findAccessCode } from "./access-codes";
import { admitOwner, checkAddressLimit } from "./address-limits";
import { unauthorized } from "./errors";
import { ownerIdFor } from "./identity";
import type { ProviderDeclaration } from "./providers/contract";
import { keyedProviders } from "./providers/declarations";
import { seal } from "./sealing";

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
function broughtKey(bearer: string): { key: string; provider: ProviderDeclaration } | undefined {
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
