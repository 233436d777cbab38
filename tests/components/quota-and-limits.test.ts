// Access-code quotas (core/quota.ts, core/access-codes.ts) and rate limits (core/rate-limit.ts)
// against DynamoDB Local, with the tables as infra/ declares them: real conditional writes, real
// transactions, real races.
import { describe, expect, it } from "vitest";
import {
  ensureAccessCode,
  findAccessCode,
  getAccessCodeByHash,
  issueAccessCode,
  listAccessCodes,
  revokeAccessCode,
} from "#core/access-codes";
import { resolveCredential, type ResolvedCredential } from "#core/credentials";
import { TakesError } from "#core/errors";
import { accessCodeHash } from "#core/identity";
import type { NewJob } from "#core/jobs/model";
import { claimCopy, completeCopy, createJob, getJob } from "#core/jobs/repository";
import { expireJob as markExpired, failJob as markFailed } from "#core/pipeline/failures";
import { releaseSeconds, reserveSeconds, withReservedSeconds } from "#core/quota";
import { checkRateLimit, RATE_LIMITS, takeFromBudget } from "#core/rate-limit";
import { newJobInput, uniqueId } from "../support/jobs";
import { useLinkedResources } from "../support/resources";

useLinkedResources({
  secrets: { ServerSecret: "quota-test-secret", ProviderKey: "sk-operator-0123456789abcdef" },
});

let codes = 0;
/** A fresh code per test keeps the tests independent on one shared table. */
async function newCode(quotaSeconds: number, expiresAt?: Date) {
  const code = `test-${++codes}-${Math.random().toString(36).slice(2)}`;
  await issueAccessCode(code, { label: `code ${codes}`, quotaSeconds, expiresAt });
  return { code, hash: accessCodeHash(code) };
}

const usedSeconds = async (hash: string) => (await getAccessCodeByHash(hash))?.usedSeconds;

async function failure(promise: Promise<unknown>): Promise<TakesError> {
  const error = await promise.then(
    () => expect.fail("expected the call to fail"),
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TakesError);
  return error as TakesError;
}

const jobInput = (reservation: NewJob["quotaReservation"]) =>
  newJobInput({ seconds: reservation?.seconds ?? 4, quotaReservation: reservation });

describe("access codes", () => {
  it("are stored under their hash, with quota and usage, never in clear", async () => {
    const { code, hash } = await newCode(300);
    const stored = await findAccessCode(code);
    expect(stored).toMatchObject({ codeHash: hash, quotaSeconds: 300, usedSeconds: 0 });
    expect(JSON.stringify(await listAccessCodes())).not.toContain(code);
  });

  it("refuse to be issued twice (the usage would be lost)", async () => {
    const { code } = await newCode(10);
    await expect(issueAccessCode(code, { label: "again", quotaSeconds: 99 })).rejects.toThrow(
      /conditional/i,
    );
  });

  it("seeded with ensureAccessCode keep their usage across restarts", async () => {
    const code = `demo-${Math.random().toString(36).slice(2)}`;
    await ensureAccessCode(code, { label: "demo", quotaSeconds: 600 });
    await reserveSeconds(accessCodeHash(code), 8);
    const again = await ensureAccessCode(code, { label: "demo", quotaSeconds: 900 });
    expect(again).toMatchObject({ quotaSeconds: 900, usedSeconds: 8 });
  });

  it("revoke by code or by a unique label; an ambiguous label names no one", async () => {
    const first = await newCode(10);
    const revoked = await revokeAccessCode(first.code);
    expect(revoked.revokedAt).toBeDefined();

    const label = `shared-${Math.random().toString(36).slice(2)}`;
    await issueAccessCode(`${label}-a`, { label, quotaSeconds: 10 });
    await issueAccessCode(`${label}-b`, { label, quotaSeconds: 10 });
    expect((await failure(revokeAccessCode(label))).code).toBe("ambiguous_label");
    await revokeAccessCode(`${label}-a`);
    // Only one unrevoked code carries the label now.
    expect((await revokeAccessCode(label)).codeHash).toBe(accessCodeHash(`${label}-b`));
    expect((await failure(revokeAccessCode("nothing-like-it"))).status).toBe(404);
  });
});

describe("quota reservations", () => {
  it("never overspend: 20 racing reservations of 10 s against 100 s, exactly 10 win", async () => {
    const { hash } = await newCode(100);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => reserveSeconds(hash, 10)),
    );
    const won = results.filter((result) => result.status === "fulfilled");
    const lost = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    expect(won).toHaveLength(10);
    expect(lost).toHaveLength(10);
    for (const error of lost) {
      expect(error).toBeInstanceOf(TakesError);
      expect(error).toMatchObject({ status: 402, code: "quota_exhausted" });
    }
    expect(await usedSeconds(hash)).toBe(100);
  });

  it("402 says how many seconds are left", async () => {
    const { hash } = await newCode(12);
    await reserveSeconds(hash, 8);
    const error = await failure(reserveSeconds(hash, 8));
    expect(error).toMatchObject({ status: 402, code: "quota_exhausted" });
    expect(error.message).toMatch(/4 s left/);
    await reserveSeconds(hash, 4);
    expect((await failure(reserveSeconds(hash, 4))).message).toMatch(/0 s left/);
  });

  it("403 for a revoked code, at sign-in and at reservation", async () => {
    const { code, hash } = await newCode(100);
    await revokeAccessCode(code);
    const reserving = await failure(reserveSeconds(hash, 4));
    expect(reserving).toMatchObject({ status: 403, code: "access_code_revoked" });
    expect(reserving.message).toMatch(/revoked/);
    expect(await failure(resolveCredential(code))).toMatchObject({
      status: 403,
      code: "access_code_revoked",
    });
    expect(await usedSeconds(hash)).toBe(0);
  });

  it("403 for an expired code, naming when it expired", async () => {
    const expiresAt = new Date(Date.now() + 60_000);
    const { code, hash } = await newCode(100, expiresAt);
    // Still valid now.
    await reserveSeconds(hash, 4);
    const later = new Date(expiresAt.getTime() + 1);
    const error = await failure(reserveSeconds(hash, 4, later));
    expect(error).toMatchObject({ status: 403, code: "access_code_expired" });
    expect(error.message).toContain(expiresAt.toISOString().slice(0, 10));

    const past = await newCode(100, new Date(Date.now() - 1000));
    expect((await failure(resolveCredential(past.code))).code).toBe("access_code_expired");
    expect((await resolveCredential(code)).accessCodeHash).toBe(hash);
  });

  it("gives the seconds back when the provider refuses, and not for brought keys", async () => {
    const { code, hash } = await newCode(20);
    const caller = await resolveCredential(code);
    const refusal = new Error("provider refused");
    await expect(withReservedSeconds(caller, 8, () => Promise.reject(refusal))).rejects.toBe(
      refusal,
    );
    expect(await usedSeconds(hash)).toBe(0);

    const { reservation } = await withReservedSeconds(caller, 8, async () => "video_1");
    expect(reservation).toMatchObject({ codeHash: hash, seconds: 8 });
    expect(await usedSeconds(hash)).toBe(8);

    const brought: ResolvedCredential = {
      ownerId: "brought",
      providerCredential: "sk-brought-0123456789",
      kind: "brought-key",
      provider: "openai",
    };
    expect(await withReservedSeconds(brought, 12, async () => "video_2")).toEqual({
      result: "video_2",
    });
  });

  it("a failed job gives its seconds back exactly once, however many try to end it", async () => {
    const { hash } = await newCode(100);
    const job = await createJob(jobInput(await reserveSeconds(hash, 12)));
    await reserveSeconds(hash, 8);
    expect(await usedSeconds(hash)).toBe(20);

    const attempts = await Promise.all([
      markFailed(job, { code: "provider_failed", message: "Failed." }),
      markFailed(job, { code: "provider_failed", message: "Failed." }),
      markExpired(job, { code: "content_expired", message: "Gone." }),
      markFailed(job, { code: "processing_failed", message: "Dead-lettered." }),
    ]);
    expect(attempts.filter(Boolean)).toHaveLength(1);
    expect(await usedSeconds(hash)).toBe(8);
    const ended = await getJob(job.id);
    expect(ended?.quotaReservation).toMatchObject({ codeHash: hash, seconds: 12 });
    expect(ended?.quotaReservation?.refundedAt).toBeDefined();
    // A later attempt (a redelivered dead letter) changes nothing.
    expect(await markFailed(ended!, { code: "x", message: "x" })).toBeUndefined();
    expect(await usedSeconds(hash)).toBe(8);
  });

  it("an expired job gives its seconds back, even when the caller's view missed the reservation", async () => {
    const { hash } = await newCode(100);
    const job = await createJob(jobInput(await reserveSeconds(hash, 4)));
    const expired = await markExpired(
      { id: job.id, owner: job.owner },
      { code: "content_expired", message: "Gone." },
    );
    expect(expired?.status).toBe("expired");
    expect(expired?.quotaReservation?.refundedAt).toBeDefined();
    expect(await usedSeconds(hash)).toBe(0);
  });

  it("a completed job keeps its seconds spent", async () => {
    const { hash } = await newCode(100);
    const job = await createJob(jobInput(await reserveSeconds(hash, 4)));
    const claim = await claimCopy(job, { leaseMs: 60_000 });
    await completeCopy(job, claim!.lease.id, {});
    expect(await markFailed(job, { code: "late", message: "late" })).toBeUndefined();
    expect(await usedSeconds(hash)).toBe(4);
  });

  it("a job whose code was deleted by hand still ends", async () => {
    const job = await createJob(
      jobInput({ codeHash: "no-such-code", seconds: 4, reservedAt: new Date().toISOString() }),
    );
    expect((await markFailed(job, { code: "x", message: "x" }))?.status).toBe("failed");
    expect(await getAccessCodeByHash("no-such-code")).toBeUndefined();
    // Nor does a direct release bring the code back as an empty item.
    await releaseSeconds(job.quotaReservation!);
    expect(await getAccessCodeByHash("no-such-code")).toBeUndefined();
  });
});

describe("rate limits", () => {
  const rule = { limit: 3, windowSeconds: 60, what: "tries" };
  const key = () => `test#${Math.random().toString(36).slice(2)}`;
  /** The start of a window, so tests can place `now` inside it. */
  const windowStart = Math.floor(Date.now() / 60_000) * 60_000;

  it("lets the budget through, then answers 429 with retry-after until the window moves on", async () => {
    const k = key();
    const now = windowStart + 10_000;
    for (let i = 0; i < 3; i++) await takeFromBudget(k, rule, now + i);
    const error = await failure(takeFromBudget(k, rule, now + 3));
    expect(error).toMatchObject({ status: 429, code: "rate_limited" });
    expect(error.message).toMatch(/at most 3 every 60 s/);
    // The next window starts 50 s later, and its first moment still counts these three in full.
    expect(error.retryAfterSeconds).toBe(50);
  });

  it("judges a sliding window: the previous window's count fades as it slides out", async () => {
    const k = key();
    for (let i = 0; i < 3; i++) await takeFromBudget(k, rule, windowStart + 50_000 + i);
    // 1 s into the next window the three weigh 3 × 59/60 < 3: one more fits.
    await takeFromBudget(k, rule, windowStart + 61_000);
    // Then 3 × (1 − f) + 1 < 3 only once f > 1/3: past 20 s into the window, 19 s from now.
    const error = await failure(takeFromBudget(k, rule, windowStart + 61_000));
    expect(error.retryAfterSeconds).toBe(20);
    expect((await failure(takeFromBudget(k, rule, windowStart + 80_000))).status).toBe(429);
    await expect(takeFromBudget(k, rule, windowStart + 80_001)).resolves.toBeUndefined();
  });

  it("never lets racing requests past the budget", async () => {
    const k = key();
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () =>
        takeFromBudget(k, { ...rule, limit: 5 }, windowStart + 5_000),
      ),
    );
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(5);
  });

  it("keeps a budget per owner and per action", async () => {
    const owner = uniqueId("owner_");
    const now = windowStart + 1_000;
    for (let i = 0; i < RATE_LIMITS.create.limit; i++) await checkRateLimit(owner, "create", now);
    expect((await failure(checkRateLimit(owner, "create", now))).status).toBe(429);
    await expect(checkRateLimit(owner, "remix", now)).resolves.toBeUndefined();
    await expect(checkRateLimit(`${owner}-other`, "create", now)).resolves.toBeUndefined();
  });
});
