import { describe, expect, it } from "vitest";
import type { Job } from "#core/jobs/model";
import {
  CONTENT_EXPIRED,
  decideAfterFailure,
  GIVE_UP_AFTER_MS,
  KEY_NO_LONGER_VALID,
  RETRIES_EXHAUSTED,
} from "#core/pipeline/failures";
import { MAX_DELAY_SECONDS } from "#core/pipeline/queue";
import { expectedGenerationSeconds } from "#core/providers/declarations";
import {
  firstPollDelaySeconds,
  nextPollDelaySeconds,
  retryDelaySeconds,
} from "#core/pipeline/schedule";
import {
  ContentExpired,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
} from "#core/providers/contract";

const CREATED = Date.parse("2026-11-21T10:00:00.000Z");
const job = (
  overrides: Partial<Pick<Job, "model" | "seconds" | "progress" | "progressMark">> = {},
) => ({
  provider: "openai",
  model: "sora-2",
  seconds: 8,
  createdAt: new Date(CREATED).toISOString(),
  progress: 0,
  ...overrides,
});
/** `seconds` after the job was created. */
const at = (seconds: number) => CREATED + seconds * 1000;

describe("expected generation time", () => {
  it("grows with the length of the video and is longer for the pro model", () => {
    expect(
      expectedGenerationSeconds({ provider: "openai", model: "sora-2", seconds: 12 }),
    ).toBeGreaterThan(
      expectedGenerationSeconds({ provider: "openai", model: "sora-2", seconds: 4 }),
    );
    expect(
      expectedGenerationSeconds({ provider: "openai", model: "sora-2-pro", seconds: 8 }),
    ).toBeGreaterThan(
      expectedGenerationSeconds({ provider: "openai", model: "sora-2", seconds: 8 }),
    );
  });

  it("treats a dated slug as its model, and still guesses for an unknown model", () => {
    expect(
      expectedGenerationSeconds({ provider: "openai", model: "sora-2-pro-2025-10-06", seconds: 8 }),
    ).toBe(expectedGenerationSeconds({ provider: "openai", model: "sora-2-pro", seconds: 8 }));
    expect(
      expectedGenerationSeconds({ provider: "openai", model: "someone-elses-model", seconds: 8 }),
    ).toBeGreaterThan(0);
  });
});

describe("firstPollDelaySeconds", () => {
  it("looks early, well before the expected completion, in whole seconds", () => {
    const delay = firstPollDelaySeconds({ provider: "openai", model: "sora-2", seconds: 8 });
    expect(Number.isInteger(delay)).toBe(true);
    expect(delay).toBeGreaterThanOrEqual(1);
    expect(delay).toBeLessThan(
      expectedGenerationSeconds({ provider: "openai", model: "sora-2", seconds: 8 }) / 2,
    );
    expect(
      firstPollDelaySeconds({ provider: "openai", model: "sora-2-pro", seconds: 12 }),
    ).toBeGreaterThan(delay);
  });
});

describe("nextPollDelaySeconds", () => {
  /** A job at `progress` whose first progress reading was `mark` (progress at seconds). */
  const running = (progress: number, mark?: [number, number]) =>
    job({ progress, progressMark: mark && { progress: mark[0], at: at(mark[1]) } });

  it("without progress, aims at the completion the model suggests", () => {
    const expected = expectedGenerationSeconds({ provider: "openai", model: "sora-2", seconds: 8 });
    expect(nextPollDelaySeconds(running(0), { progress: 0 }, at(10))).toBe(expected - 10);
  });

  it("with a pace of its own, aims at the completion that pace predicts", () => {
    // 20% at 24 s, 50% at 60 s: the pace since then leaves 59.4 s, the average since creation
    // 58.8 s; the earlier wins.
    expect(nextPollDelaySeconds(running(20, [20, 24]), { progress: 50 }, at(60))).toBe(59);
    // A job four times slower than the model's 100 s: 40% at 200 s, 30 points in the last 150 s.
    // It is polled when its own pace says it is done (294 s), not at once as an overdue job.
    expect(nextPollDelaySeconds(running(20, [10, 50]), { progress: 40 }, at(200))).toBe(294);
  });

  it("measures the pace from the first progress, so time queued at the provider does not delay it", () => {
    // Queued for 100 s, then 20 points in 40 s: done 139 s from now, not the 319 s that the
    // average since creation (30% in 140 s) would predict.
    expect(nextPollDelaySeconds(running(10, [10, 100]), { progress: 30 }, at(140))).toBe(139);
  });

  it("at the first progress, looks again soon to learn the pace, unless the average already tells", () => {
    // 2% at 10 s: the average says 390 s more; half the model's time for the rest is 49 s.
    expect(nextPollDelaySeconds(running(0, [2, 10]), { progress: 2 }, at(10))).toBe(49);
    // 20% at 6 s: the average since creation, 23.3 s more, is the earlier of the two.
    expect(nextPollDelaySeconds(running(0, [20, 6]), { progress: 20 }, at(6))).toBe(24);
  });

  it("polls a job that has just moved when its pace says, however close to done", () => {
    // 10% at 60 s to 99% at 600 s: half a point left, about 3 s.
    expect(nextPollDelaySeconds(running(90, [10, 60]), { progress: 99 }, at(600))).toBe(4);
  });

  it("does not hammer a job whose progress has stalled", () => {
    // Still 99% at 10 minutes: polls stay at least 5% of the job's age apart.
    expect(nextPollDelaySeconds(running(99, [10, 60]), { progress: 99 }, at(600))).toBe(30);
    // And at least 5 s apart, however young the job.
    expect(nextPollDelaySeconds(running(99, [10, 3]), { progress: 99 }, at(30))).toBe(5);
  });

  it("polls an overdue job at a share of its age, at least every two minutes", () => {
    const expected = expectedGenerationSeconds({ provider: "openai", model: "sora-2", seconds: 8 });
    expect(nextPollDelaySeconds(running(0), { progress: 0 }, at(expected + 50))).toBe(
      Math.ceil((expected + 50) * 0.1),
    );
    expect(nextPollDelaySeconds(running(0), { progress: 0 }, at(6 * 3600))).toBe(120);
  });

  it("stays between 1 s and SQS's 15 minutes", () => {
    expect(nextPollDelaySeconds(running(0), { progress: 0 }, at(0))).toBeGreaterThanOrEqual(1);
    // One point in an hour predicts 97 more hours: capped.
    expect(nextPollDelaySeconds(running(1, [1, 0]), { progress: 2 }, at(3600))).toBe(
      MAX_DELAY_SECONDS,
    );
    // A clock slightly behind the job's creation time still gives a sane delay.
    expect(nextPollDelaySeconds(running(0), { progress: 0 }, at(-5))).toBeGreaterThanOrEqual(1);
  });
});

describe("retryDelaySeconds", () => {
  const lowest = () => 0;
  const highest = () => 0.999999;

  it("doubles with each failure in a row, with jitter between half and all of the backoff", () => {
    expect([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(n, undefined, highest))).toEqual([
      2, 4, 8, 16, 32,
    ]);
    expect([1, 2, 3, 4, 5].map((n) => retryDelaySeconds(n, undefined, lowest))).toEqual([
      1, 2, 4, 8, 16,
    ]);
  });

  it("is capped, so a recovered provider is noticed within five minutes", () => {
    expect(retryDelaySeconds(50, undefined, highest)).toBe(300);
    expect(retryDelaySeconds(500, undefined, lowest)).toBe(150);
  });

  it("honours the provider's retry-after as a floor, within SQS's limit", () => {
    expect(retryDelaySeconds(1, 30_000, highest)).toBe(30);
    expect(retryDelaySeconds(1, 1_500, lowest)).toBe(2);
    expect(retryDelaySeconds(1, 3_600_000, lowest)).toBe(MAX_DELAY_SECONDS);
  });
});

describe("decideAfterFailure", () => {
  const running = { createdAt: new Date(CREATED).toISOString(), consecutiveErrors: 0 };

  it("waits out rate limits and outages with a growing backoff", () => {
    const first = decideAfterFailure(running, new ProviderUnavailable(), at(60));
    expect(first).toMatchObject({ action: "retry" });
    const later = decideAfterFailure(
      { ...running, consecutiveErrors: 6 },
      new ProviderUnavailable(),
      at(60),
    );
    if (first.action !== "retry" || later.action !== "retry") throw new Error("expected retries");
    expect(later.delaySeconds).toBeGreaterThan(first.delaySeconds);
    expect(later.retryAt).toBe(at(60) + later.delaySeconds * 1000);

    const limited = decideAfterFailure(running, new ProviderRateLimited(45_000), at(60));
    expect(limited).toMatchObject({ action: "retry" });
    if (limited.action === "retry") expect(limited.delaySeconds).toBeGreaterThanOrEqual(45);
  });

  it("keeps S3 and network errors while copying retryable", () => {
    const s3Down = Object.assign(new Error("We encountered an internal error"), {
      name: "InternalError",
    });
    expect(decideAfterFailure(running, s3Down, at(60)).action).toBe("retry");
  });

  it("parks a job whose own key the provider stopped accepting; fails one on the operator's key", () => {
    const refused = new ProviderRejected(401, "invalid_api_key", "Incorrect API key provided.");
    const brought = { ...running, sealedCredential: "v1.sealed" };
    expect(decideAfterFailure(brought, refused, at(60))).toEqual({
      action: "await-key",
      reason: KEY_NO_LONGER_VALID,
    });
    const forbidden = new ProviderRejected(403, "forbidden", "The account is suspended.");
    expect(decideAfterFailure(brought, forbidden, at(60)).action).toBe("await-key");
    expect(decideAfterFailure(running, refused, at(60))).toMatchObject({ action: "fail" });
  });

  it("fails a job the provider refuses, with the provider's reason", () => {
    const decision = decideAfterFailure(
      running,
      new ProviderRejected(404, "video_not_found", "No such video."),
      at(60),
    );
    expect(decision).toEqual({
      action: "fail",
      error: { code: "provider_video_not_found", message: "No such video." },
    });
  });

  it("expires a job whose provider copy lapsed", () => {
    expect(decideAfterFailure(running, new ContentExpired(), at(60))).toEqual({
      action: "expire",
      error: CONTENT_EXPIRED,
    });
    const lapsed = { ...running, providerExpiresAt: new Date(at(30)).toISOString() };
    expect(decideAfterFailure(lapsed, new ProviderUnavailable(), at(60))).toEqual({
      action: "expire",
      error: CONTENT_EXPIRED,
    });
  });

  it("retries just before the provider's copy lapses rather than after", () => {
    const expiring = {
      ...running,
      consecutiveErrors: 8,
      providerExpiresAt: new Date(at(70)).toISOString(),
    };
    const decision = decideAfterFailure(expiring, new ProviderUnavailable(), at(60));
    expect(decision).toMatchObject({ action: "retry", delaySeconds: 9 });
  });

  it("gives up only after a day, with a reason a person can read", () => {
    const almost = decideAfterFailure(
      running,
      new ProviderUnavailable(),
      CREATED + GIVE_UP_AFTER_MS - 1,
    );
    expect(almost.action).toBe("retry");
    expect(
      decideAfterFailure(running, new ProviderUnavailable(), CREATED + GIVE_UP_AFTER_MS),
    ).toEqual({ action: "fail", error: RETRIES_EXHAUSTED });
  });
});

/**
 * The schedule played against simulated providers on a simulated clock: each poll lands 0.7 s
 * after its delay (SQS and the poller), as on the local stack. Fixed 5 s polling finds any job
 * within about 5.7 s; the schedule must do at least as well with far fewer polls.
 */
describe("the schedule over a whole job", () => {
  type Provider = (ageSeconds: number) => { done: boolean; progress: number };
  /** The emulator: queued for a tenth of the time, then progress counts the whole time. */
  const emulator =
    (total: number): Provider =>
    (age) => ({
      done: age >= total,
      progress: age < total / 10 ? 0 : Math.min(99, Math.floor((age / total) * 100)),
    });
  /** Queued without progress for `queued` s, then progress counts the generation alone. */
  const queuedFirst =
    (queued: number, generation: number): Provider =>
    (age) => ({
      done: age >= queued + generation,
      progress: Math.min(99, Math.max(0, Math.floor(((age - queued) / generation) * 100))),
    });

  function follow(seconds: number, provider: Provider, doneAt: number) {
    const POLL_OVERHEAD = 0.7;
    let record = job({ seconds });
    let age = firstPollDelaySeconds(record) + POLL_OVERHEAD;
    for (let polls = 1; polls < 1000; polls++) {
      const { done, progress } = provider(age);
      if (done) return { polls, lag: age - doneAt };
      const now = at(age);
      const progressMark =
        record.progressMark ?? (progress > 0 ? { progress, at: now } : undefined);
      const delay = nextPollDelaySeconds({ ...record, progressMark }, { progress }, now);
      record = { ...record, progress: Math.max(record.progress, progress), progressMark };
      age += delay + POLL_OVERHEAD;
    }
    throw new Error("never found done");
  }

  it.each([
    ["the emulator's 4 s clip, twice as fast as the model expects", 4, emulator(30), 30, 2],
    ["the emulator's 12 s clip", 12, emulator(50), 50, 2],
    ["a job four times slower than the model expects", 8, emulator(400), 400, 5],
    ["a job queued 30 s before it starts", 8, queuedFirst(30, 100), 130, 4],
    ["a job queued 2 minutes before it starts", 4, queuedFirst(120, 40), 160, 11],
  ])("finds %s as soon as fixed 5 s polling would", (_, seconds, provider, doneAt, maxPolls) => {
    const { polls, lag } = follow(seconds, provider, doneAt);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(5.7);
    expect(polls).toBeLessThanOrEqual(maxPolls);
    expect(polls).toBeLessThan(doneAt / 5 / 2);
  });
});
