import type { RequestEvent } from "@sveltejs/kit";
import { requestAddress } from "$core/address-limits";

/**
 * The visitor's network address, for the limits that hold per address: the Router's statement of
 * it on AWS, where the server itself sees CloudFront's (core/client-address.ts).
 */
export const visitorAddress = (event: Pick<RequestEvent, "request" | "getClientAddress">) =>
  requestAddress((name) => event.request.headers.get(name) ?? undefined, event.getClientAddress());
