/**
 * The seconds of video an access code may generate. A job's seconds are reserved on the code with
 * one conditional write before the provider is asked, so racing requests can never overspend; they
 * are given back if the provider refuses, and once (in the same transaction as the job's end, see
 * endJob in core/jobs/repository.ts) if the job ends failed or expired. Brought keys have no quota.
 */
import { Resource } from "sst/resource";
import { checkUsable, getAccessCodeByHash, secondsLeft } from "./access-codes";
import type { ResolvedCredential } from "./credentials";
import {
  backOff,
  isTransactionConflict,
  updateItem,
  updateParams,
  type TransactItem,
  type Update,
} from "./dynamo";
import { TakesError, unauthorized } from "./errors";
import type { QuotaReservation } from "./jobs/model";
import { log } from "./log";

/** Reads and writes before giving up, when the code keeps changing under them. */
const MAX_ATTEMPTS = 5;

function quotaExhausted(left: number, seconds: number) {
  return new TakesError(
    402,
    "quota_exhausted",
    left === 0
      ? "This access code has used its whole quota: 0 s left."
      : `This video needs ${seconds} s, and this access code has only ${left} s left.`,
  );
}

/**
 * Reserves `seconds` on the code, or throws: 402 when the quota cannot cover them, 403 when the
 * code was revoked or expired, 401 when it is gone. The write holds only while the code is usable
 * and `usedSeconds + seconds <= quotaSeconds`; DynamoDB conditions cannot add, so the read gives
 * the quota and the condition bounds `usedSeconds` by `quotaSeconds - seconds`, with the quota
 * itself checked unchanged.
 */
export async function reserveSeconds(
  codeHash: string,
  seconds: number,
  now = new Date(),
): Promise<QuotaReservation> {
  if (!Number.isInteger(seconds) || seconds < 1) {
    throw new Error(`A reservation is a whole number of seconds, not ${seconds}`);
  }
  for (let attempt = 1; ; attempt++) {
    const code = await getAccessCodeByHash(codeHash);
    if (!code) throw unauthorized();
    checkUsable(code, now);
    const left = secondsLeft(code);
    if (seconds > left) throw quotaExhausted(left, seconds);
    try {
      const reserved = await updateItem(
        Resource.Codes.name,
        { codeHash },
        {
          add: { usedSeconds: seconds },
          condition:
            "#quotaSeconds = :quota AND #usedSeconds <= :maxUsed AND attribute_not_exists(#revokedAt) " +
            "AND (attribute_not_exists(#expiresAt) OR #expiresAt > :now)",
          values: {
            quota: code.quotaSeconds,
            maxUsed: code.quotaSeconds - seconds,
            now: now.toISOString(),
          },
        },
      );
      if (reserved) return { codeHash, seconds, reservedAt: now.toISOString() };
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

/** Gives back the seconds of `reservation`. A code deleted by hand is not brought back empty. */
const refund = (reservation: Pick<QuotaReservation, "seconds">): Update => ({
  add: { usedSeconds: -reservation.seconds },
  condition: "attribute_exists(#codeHash)",
});

/** The transaction item that gives a job's reserved seconds back as the job ends (endJob). */
export const refundReservation = (reservation: QuotaReservation): TransactItem => ({
  Update: updateParams(
    Resource.Codes.name,
    { codeHash: reservation.codeHash },
    refund(reservation),
  ),
});

/** Gives back seconds no job was recorded for (the provider refused). Call once per reservation. */
export async function releaseSeconds(reservation: QuotaReservation): Promise<void> {
  await updateItem(Resource.Codes.name, { codeHash: reservation.codeHash }, refund(reservation));
}

/**
 * Runs `ask` (starting a job: the provider call and the job's record, which takes the reservation
 * over) under a reservation of `seconds` when the caller uses an access code; gives the seconds back
 * if `ask` fails for any reason — the provider's refusal, its time running out, an error recording
 * the job. So `ask` must fail only while no job holds the reservation. The reservation is recorded
 * on the job, so the job's end can give it back.
 */
export async function withReservedSeconds<T>(
  caller: ResolvedCredential,
  seconds: number,
  ask: (reservation: QuotaReservation | undefined) => Promise<T>,
): Promise<{ result: T; reservation?: QuotaReservation }> {
  if (caller.kind !== "access-code" || !caller.accessCodeHash) {
    return { result: await ask(undefined) };
  }
  const reservation = await reserveSeconds(caller.accessCodeHash, seconds);
  try {
    return { result: await ask(reservation), reservation };
  } catch (error) {
    await releaseSeconds(reservation).catch((releaseError: unknown) => {
      // The person sees the provider's refusal; the operator sees the seconds that stayed spent.
      log.error("could not give back reserved seconds", {
        seconds: reservation.seconds,
        error: releaseError as Error,
      });
    });
    throw error;
  }
}
