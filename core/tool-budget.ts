/**
 * The prompt and image tools an access code may use, on the operator's keys: a budget of tool
 * uses, counted like its video seconds (core/quota.ts). Each use is taken from the code with one
 * conditional write before the model is asked, so racing requests never overspend, and given back
 * if the call fails. The tools exist to make videos: a code with no video seconds left gets no
 * tool uses either, nor does a revoked or expired one. Brought keys have no budget (they pay for
 * their own calls); only the per-minute rate limits hold them.
 */
import { Resource } from "sst/resource";
import {
  checkUsable,
  getAccessCodeByHash,
  secondsLeft,
  toolUseQuota,
  toolUsesLeft,
} from "./access-codes";
import type { ResolvedCredential } from "./credentials";
import { backOff, isTransactionConflict, updateItem } from "./dynamo";
import { TakesError, unauthorized } from "./errors";
import { log } from "./log";
import type { Tool } from "./tools";

/**
 * What one call of each tool takes from the budget. An image costs the operator several times a
 * prompt rewrite (an image model's price per image against a few hundred tokens of a small text
 * model) and is stored in the bucket, so it counts five.
 */
export const TOOL_USE_COSTS: Readonly<Record<Tool, number>> = { text: 1, image: 5 };

/** How a refusal names one call of each tool. */
const CALL_NAMES: Record<Tool, string> = {
  text: "Improving a prompt",
  image: "A reference image",
};

/** Reads and writes before giving up, when the code keeps changing under them. */
const MAX_ATTEMPTS = 5;

/** Tool uses taken from a code for one call, to give back if the call fails. */
export interface ToolUseReservation {
  codeHash: string;
  uses: number;
}

const uses = (count: number) => `${count} tool use${count === 1 ? "" : "s"}`;

function toolBudgetExhausted(tool: Tool, left: number) {
  return new TakesError(
    402,
    "tool_budget_exhausted",
    left === 0
      ? "This access code has used its whole tool budget: 0 tool uses left for improving " +
          "prompts and making images."
      : `${CALL_NAMES[tool]} takes ${uses(TOOL_USE_COSTS[tool])}, and this access code has ` +
          `only ${left} left.`,
  );
}

/** The same code and words as a create the quota cannot cover (core/quota.ts). */
const noSecondsLeft = () =>
  new TakesError(
    402,
    "quota_exhausted",
    "This access code has used its whole quota: 0 s left. The prompt and image tools are for " +
      "making videos, so they stop with it.",
  );

/**
 * Takes one call of `tool` from the code's budget, or throws: 402 when the budget cannot cover it
 * or the code has no video seconds left, 403 when the code was revoked or expired, 401 when it is
 * gone. As with seconds, the read gives the budget and the condition bounds `usedToolUses` by
 * `budget - cost`, with the budget checked unchanged; a code from before tool budgets has neither
 * attribute, and its first use writes the default budget down.
 */
export async function reserveToolUse(
  codeHash: string,
  tool: Tool,
  now = new Date(),
): Promise<ToolUseReservation> {
  const cost = TOOL_USE_COSTS[tool];
  for (let attempt = 1; ; attempt++) {
    const code = await getAccessCodeByHash(codeHash);
    if (!code) throw unauthorized();
    checkUsable(code, now);
    if (secondsLeft(code) === 0) throw noSecondsLeft();
    const left = toolUsesLeft(code);
    if (cost > left) throw toolBudgetExhausted(tool, left);
    const budget = toolUseQuota(code);
    try {
      const reserved = await updateItem(
        Resource.Codes.name,
        { codeHash },
        {
          add: { usedToolUses: cost },
          setIfMissing: { quotaToolUses: budget },
          condition:
            "(attribute_not_exists(#quotaToolUses) OR #quotaToolUses = :budget) " +
            "AND (attribute_not_exists(#usedToolUses) OR #usedToolUses <= :maxUsed) " +
            "AND #usedSeconds < #quotaSeconds AND attribute_not_exists(#revokedAt) " +
            "AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)",
          values: { budget, maxUsed: budget - cost, now: now.toISOString() },
        },
      );
      if (reserved) return { codeHash, uses: cost };
    } catch (error) {
      // A job's end gives seconds back in a transaction; a write meeting it in flight is refused.
      if (!isTransactionConflict(error)) throw error;
      await backOff(attempt);
    }
    // Someone else's write came first: the next read says whether anything is left.
    if (attempt === MAX_ATTEMPTS) {
      throw new TakesError(503, "busy", "The access code is busy; try again.");
    }
  }
}

/** Gives back the uses of a call that failed. A code deleted by hand is not brought back empty. */
export async function releaseToolUse(reservation: ToolUseReservation): Promise<void> {
  await updateItem(
    Resource.Codes.name,
    { codeHash: reservation.codeHash },
    { add: { usedToolUses: -reservation.uses }, condition: "attribute_exists(#codeHash)" },
  );
}

/**
 * Runs `call` (the tool's model call and whatever stores its result) under one use of `tool`
 * when the caller uses an access code; gives the use back if `call` fails.
 */
export async function withToolUse<T>(
  caller: ResolvedCredential,
  tool: Tool,
  call: () => Promise<T>,
): Promise<T> {
  if (caller.kind !== "access-code" || !caller.accessCodeHash) return call();
  const reservation = await reserveToolUse(caller.accessCodeHash, tool);
  try {
    return await call();
  } catch (error) {
    await releaseToolUse(reservation).catch((releaseError: unknown) => {
      // The person sees the model's failure; the operator sees the use that stayed spent.
      log.error("could not give back a tool use", {
        uses: reservation.uses,
        error: releaseError as Error,
      });
    });
    throw error;
  }
}

/** What an access code has left to spend, for the person holding it. */
export interface CodeAllowance {
  secondsLeft: number;
  quotaSeconds: number;
  toolUsesLeft: number;
  quotaToolUses: number;
  toolUseCosts: Readonly<Record<Tool, number>>;
}

/** The caller's allowance when it is an access code; undefined for a brought key. */
export async function codeAllowance(
  caller: ResolvedCredential,
): Promise<CodeAllowance | undefined> {
  if (caller.kind !== "access-code" || !caller.accessCodeHash) return undefined;
  const code = await getAccessCodeByHash(caller.accessCodeHash);
  if (!code) return undefined;
  return {
    secondsLeft: secondsLeft(code),
    quotaSeconds: code.quotaSeconds,
    toolUsesLeft: toolUsesLeft(code),
    quotaToolUses: toolUseQuota(code),
    toolUseCosts: TOOL_USE_COSTS,
  };
}
