/**
 * Who is asking, by network address, for the limits that hold before (or without) a credential.
 *
 * On AWS every request reaches Takes through the Router's CloudFront, so the address the API and
 * the site's server see is CloudFront's, shared by everyone behind the same edge. The Router's
 * viewer-request function (infra/site.ts) states the viewer's own address in CLIENT_ADDRESS_HEADER,
 * overwriting whatever the client sent, and proves it came that way with ROUTER_PROOF_HEADER: a
 * value derived from the server secret at deploy time. The API's own URL is public too, so a
 * request without the proof (a direct call, or the local stack, which has no CloudFront) is judged
 * by the address it came from.
 *
 * No imports but node:crypto: infra/ derives the proof from here while SST deploys.
 */
import { createHmac, timingSafeEqual } from "node:crypto";

export const CLIENT_ADDRESS_HEADER = "x-takes-client-address";
export const ROUTER_PROOF_HEADER = "x-takes-router-proof";

/** The Router's proof for a stage's server secret: an HMAC, so the secret itself is never sent. */
export const routerProof = (serverSecret: string) =>
  createHmac("sha256", serverSecret).update("router:client-address").digest("base64url");

const sameText = (a: string, b: string) =>
  a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * The client's address: the Router's statement of it when the request carries the Router's proof,
 * else the address the request came from. IPv6 addresses count by their /64 network, the block one
 * subscriber is given, so rotating through it changes nothing.
 */
export function clientAddress(request: {
  header: (name: string) => string | undefined;
  directAddress: string;
  serverSecret: string;
}): string {
  const stated = request.header(CLIENT_ADDRESS_HEADER)?.trim();
  const proof = request.header(ROUTER_PROOF_HEADER);
  const viaRouter = stated && proof && sameText(proof, routerProof(request.serverSecret));
  return addressNetwork(viaRouter ? stated : request.directAddress);
}

/** An IPv4 address as it is; an IPv6 one as its /64 prefix (IPv4-mapped ones as IPv4). */
export function addressNetwork(address: string): string {
  const plain = address
    .trim()
    .toLowerCase()
    .replace(/^::ffff:(?=\d+\.)/, "");
  if (!plain.includes(":")) return plain;
  const [head = "", tail = ""] = plain.split("::");
  const headGroups = head ? head.split(":") : [];
  const tailGroups = tail ? tail.split(":") : [];
  const missing = plain.includes("::") ? 8 - headGroups.length - tailGroups.length : 0;
  const groups = [...headGroups, ...Array<string>(Math.max(0, missing)).fill("0"), ...tailGroups];
  return `${groups
    .slice(0, 4)
    .map((group) => group.replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
