/**
 * Per-owner rate limits, kept in DynamoDB (the Limits table) because Lambdas share no memory. Each
 * action has its own budget, counted in fixed windows and judged as a sliding window: the previous
 * window's count, weighted by how much of it still overlaps the last `windowSeconds`, plus the
 * current window's. The current window is incremented by one conditional write, so racing
 * requests can never take more than the budget leaves; the previous window no longer changes.
 * Counters carry a TTL, so DynamoDB deletes them once no window can read them.
 */
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst/resource";
import { dynamoClient } from "./aws/dynamodb";
import { updateItem } from "./dynamo";
import { TakesError } from "./errors";

export interface RateLimit {
  /** Requests allowed per window. */
  limit: number;
  windowSeconds: number;
  /** What is limited, as the message to the person names it. */
  what: string;
}

/**
 * The budgets. Generous enough for a person at work (and for the test suites, which make a handful
 * of jobs per key); tight enough that a leaked credential or a runaway script is stopped within a
 * minute of spending.
 */
export const RATE_LIMITS = {
  create: { limit: 10, windowSeconds: 60, what: "new videos" },
  remix: { limit: 10, windowSeconds: 60, what: "remixes" },
  improve: { limit: 30, windowSeconds: 60, what: "prompt improvements" },
  images: { limit: 10, windowSeconds: 60, what: "reference images" },
} as const satisfies Record<string, RateLimit>;

export type RateLimitedAction = keyof typeof RATE_LIMITS;

/** Kept past the window that counted them, for the next window's look back, then deleted. */
const TTL_WINDOWS = 2;

const counterId = (key: string, windowStart: number) => `${key}#${windowStart}`;

async function countIn(id: string): Promise<number> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: Resource.Limits.name, Key: { id }, ConsistentRead: true }),
  );
  return typeof Item?.count === "number" ? Item.count : 0;
}

/**
 * Ms until a request would be let through, given the counts of the previous and current window
 * and how far (0..1) into the current window `now` is: the first whole ms past the moment the
 * weighted count drops under the limit (exactly at it, it is still refused).
 */
export function waitMs(
  counts: { previous: number; current: number },
  elapsed: number,
  rule: Pick<RateLimit, "limit" | "windowSeconds">,
): number {
  const windowMs = rule.windowSeconds * 1000;
  const { previous, current } = counts;
  // Rounded first: the fractions carry floating-point noise either way.
  const after = (fraction: number) => Math.max(0, Math.round(fraction * windowMs)) + 1;
  // Within this window: the previous one's weight falls until previous·(1−f) + current < limit.
  if (current < rule.limit && previous > 0) {
    return after(1 - (rule.limit - current) / previous - elapsed);
  }
  // Else in the next window, where this one's count becomes the weighted previous.
  const next = current > 0 ? Math.max(0, 1 - rule.limit / current) : 0;
  return after(1 - elapsed + next);
}

/**
 * Takes one request from the budget `rule` gives `key`, or throws 429 `rate_limited` with a
 * `retry-after` header (whole seconds). `now` is for tests.
 */
export async function takeFromBudget(key: string, rule: RateLimit, now = Date.now()) {
  const windowMs = rule.windowSeconds * 1000;
  const windowStart = Math.floor(now / windowMs) * windowMs;
  const elapsed = (now - windowStart) / windowMs;
  const previous = await countIn(counterId(key, windowStart - windowMs));
  // Allowed while previous·(1−f) + current < limit; for a whole count, current < ceil(limit − …).
  const maxCurrent = Math.ceil(rule.limit - previous * (1 - elapsed)) - 1;
  const id = counterId(key, windowStart);
  const taken =
    maxCurrent >= 0 &&
    (await updateItem(
      Resource.Limits.name,
      { id },
      {
        add: { count: 1 },
        setIfMissing: { ttl: Math.ceil((windowStart + (1 + TTL_WINDOWS) * windowMs) / 1000) },
        condition: "attribute_not_exists(#count) OR #count <= :maxCurrent",
        values: { maxCurrent },
      },
    ));
  if (taken) return;
  const current = await countIn(id);
  const seconds = Math.max(1, Math.ceil(waitMs({ previous, current }, elapsed, rule) / 1000));
  throw new TakesError(
    429,
    "rate_limited",
    `Too many ${rule.what}: at most ${rule.limit} every ${rule.windowSeconds} s. ` +
      `Try again in ${seconds} s.`,
    { retryAfterSeconds: seconds },
  );
}

/** Takes one `action` from the owner's budget, or throws 429 (see takeFromBudget). */
export function checkRateLimit(owner: string, action: RateLimitedAction, now = Date.now()) {
  return takeFromBudget(`${action}#${owner}`, RATE_LIMITS[action], now);
}
