/**
 * Limits per client address (core/client-address.ts), for what no owner's budget can hold: signing
 * in, credentials Takes has never seen (any `sk-…`-shaped string would otherwise be a fresh owner
 * with a fresh budget), share pages and the health check. Counted like the per-owner budgets, in
 * the Limits table (core/rate-limit.ts).
 */
import { Resource } from "sst/resource";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "./aws/dynamodb";
import { clientAddress } from "./client-address";
import { insertItem, isConditionFailure } from "./dynamo";
import { takeFromBudget, type RateLimit } from "./rate-limit";

/**
 * Wide enough for a household or an office behind one address (and for the test suites, which
 * invent many owners a minute from 127.0.0.1); narrow enough that guessing access codes or
 * inventing owners from one address stalls within a minute.
 */
export const ADDRESS_LIMITS = {
  signIn: { limit: 20, windowSeconds: 60, what: "sign-in attempts from your network" },
  newCredentials: { limit: 30, windowSeconds: 60, what: "new credentials from your network" },
  shareViews: { limit: 120, windowSeconds: 60, what: "shared video views from your network" },
  health: { limit: 60, windowSeconds: 60, what: "health checks from your network" },
} as const satisfies Record<string, RateLimit>;

export type AddressLimitedAction = keyof typeof ADDRESS_LIMITS;

/** The address a request came from, as core/client-address.ts judges it. */
export const requestAddress = (
  header: (name: string) => string | undefined,
  directAddress: string,
) => clientAddress({ header, directAddress, serverSecret: Resource.ServerSecret.value });

/** Takes one `action` from the address's budget, or throws 429 `rate_limited`. */
export function checkAddressLimit(address: string, action: AddressLimitedAction, now = Date.now()) {
  return takeFromBudget(`${action}@${address}`, ADDRESS_LIMITS[action], now);
}

/** How long Takes remembers an owner it has seen; one unseen for longer counts as new again. */
const REMEMBERED_SECONDS = 90 * 24 * 3600;

const seenId = (ownerId: string) => `seen#${ownerId}`;

/**
 * Lets a credential's owner in from `address`: one Takes has seen before costs nothing; a new one
 * takes one from the address's budget for new credentials (429 once it is spent) and is then
 * remembered. Two first requests racing may both pay; neither is refused for the other.
 */
export async function admitOwner(ownerId: string, address: string): Promise<void> {
  const table = Resource.Limits.name;
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: table, Key: { id: seenId(ownerId) } }),
  );
  if (Item) return;
  await checkAddressLimit(address, "newCredentials");
  try {
    const ttl = Math.ceil(Date.now() / 1000) + REMEMBERED_SECONDS;
    await insertItem(table, { id: seenId(ownerId), ttl }, "id");
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
  }
}
