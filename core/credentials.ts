import { Resource } from "sst";
import { checkUsable, findAccessCode } from "./access-codes";
import { unauthorized } from "./errors";
import { ownerIdFor } from "./identity";
import type { Job } from "./jobs/model";
import { seal, unseal } from "./sealing";

/** Who is calling, and which provider key acts for them. Never log any field but `ownerId`/`kind`. */
export interface ResolvedCredential {
  ownerId: string;
  providerCredential: string;
  kind: "brought-key" | "access-code";
  /** The brought key sealed for the job record, so the poller can act for the person later. */
  sealed?: string;
  /** The access code's stored hash, where its quota is kept (core/quota.ts). */
  accessCodeHash?: string;
}

const BROUGHT_KEY = /^sk-[A-Za-z0-9_-]{8,200}$/;
/** Longer than any code the operator issues; bounds the work an arbitrary bearer can cause. */
const MAX_ACCESS_CODE_LENGTH = 200;

/**
 * A bearer is either the person's own provider key (`sk-…`) or an access code the operator issued,
 * which acts with the operator's key. Anything else is a 401 that does not say which check failed;
 * a code the operator revoked, or one past its expiry, is a 403 that says so.
 */
export async function resolveCredential(bearer: string): Promise<ResolvedCredential> {
  if (bearer.startsWith("sk-")) {
    if (!BROUGHT_KEY.test(bearer)) throw unauthorized();
    return {
      ownerId: ownerIdFor(bearer),
      providerCredential: bearer,
      kind: "brought-key",
      sealed: seal(bearer),
    };
  }
  const code =
    bearer && bearer.length <= MAX_ACCESS_CODE_LENGTH ? await findAccessCode(bearer) : undefined;
  if (!code) throw unauthorized();
  checkUsable(code);
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

/** The key the poller and copier use for a job: the person's own while sealed on it, else the operator's. */
export function credentialForJob(job: Pick<Job, "sealedCredential">): string {
  return job.sealedCredential ? unseal(job.sealedCredential) : Resource.ProviderKey.value;
}
