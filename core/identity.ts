import { createHmac } from "node:crypto";
import { Resource } from "sst/resource";

/**
 * Stable, non-reversible ids derived from a credential under the server secret. The purpose label
 * keeps the values apart: an owner id never equals the stored hash of an access code, so one
 * cannot be used to look up the other.
 */
function keyed(purpose: "owner" | "code", credential: string): string {
  return createHmac("sha256", Resource.ServerSecret.value)
    .update(`${purpose}:${credential}`)
    .digest("base64url");
}

/** The owner of everything made with this credential: the same key finds the same library anywhere. */
export const ownerIdFor = (credential: string) => keyed("owner", credential);

/** How an access code is stored: never in clear. */
export const accessCodeHash = (code: string) => keyed("code", code);
