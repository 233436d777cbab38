import { describe, expect, it } from "vitest";
import {
  CONTENT_EXPIRED,
  decideAfterFailure,
  GIVE_UP_AFTER_MS,
  RETRIES_EXHAUSTED,
} from "../../core/polling/failures";
import { MAX_DELAY_SECONDS } from "../../core/polling/queue";
import {
  expectedGenerationSeconds,
  firstPollDelaySeconds,
  nextPollDelaySeconds,
  retryDelaySeconds,
} from "../../core/polling/schedule";
import {
  ContentExpired,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
} from "../../core/providers/contract";

const CREATED = Date.parse("2026-11-21T10:00:00.000Z");
const job = (overrides: { model?: string; seconds?: number } = {}) => ({
  model: "sora-2",
  seconds: 8,
  createdAt: new Date(CREATED).toISOString(),
  ...overrides,
});
/** `seconds` after the job was created. */
const at = (seconds: number) => CREATED + seconds * 1000;

describe("expected generation time", () => {
  it("grows with the length of the video and is longer for the pro model", () => {
    expect(expectedGenerationSeconds("sora-2", 12)).toBeGreaterThan(
      expectedGenerationSeconds("sora-2", 4),
    );
    expect(expectedGenerationSeconds("sora-2-pro", 8)).toBeGreaterThan(
      expectedGenerationSeconds("sora-2", 8),
    );
  });

  it("treats a dated slug as its model, and still guesses for an unknown model", () => {
    expect(expectedGenerationSeconds("sora-2-pro-2025-10-06", 8)).toBe(
      expectedGenerationSeconds("sora-2-pro", 8),
    );
    expect(expectedGenerationSeconds("someone-elses-model", 8)).toBeGreaterThan(0);
  });
});

describe("firstPollDelaySeconds", () => {
  it("looks early, well before the expected completion, in whole seconds", () => {
    const delay = firstPollDelaySeconds({ model: "sora-2", seconds: 8 });
    expect(Number.isInteger(delay)).toBe(true);
    expect(delay).toBeGreaterThanOrEqual(1);
    expect(delay).toBeLessThan(expectedGenerationSeconds("sora-2", 8) / 2);
    expect(firstPollDelaySeconds({ model: "sora-2-pro", seconds: 12 })).toBeGreaterThan(delay);
  });
});

describe("nextPollDelaySeconds", () => {
  it("without progress, aims at the completion the model suggests", () => {
    const expected = expectedGenerationSeconds("sora-2", 8);
    expect(nextPollDelaySeconds(job(), { progress: 0 }, at(10))).toBe(expected - 10);
  });

  it("with solid progress, aims at the completion the job's own pace predicts", () => {
    // 50% after 60 s: done at 120 s, 60 s from now.
    expect(nextPollDelaySeconds(job(), { progress: 50 }, at(60))).toBe(60);
    // A job twice as slow as the model suggests is polled later than the model alone would say.
    const slow = nextPollDelaySeconds(job(), { progress: 40 }, at(200));
    expect(slow).toBe(300);
  });

  it("blends a little early progress with the model's expectation", () => {
    // 5% after 1 s alone predicts completion at 20 s; the model expects 100 s for 8 s of sora-2.
    const delay = nextPollDelaySeconds(job(), { progress: 5 }, at(1));
    const paceOnly = 20 - 1;
    const modelOnly = expectedGenerationSeconds("sora-2", 8) - 1;
    expect(delay).toBeGreaterThan(paceOnly);
    expect(delay).toBeLessThan(modelOnly);
  });

  it("does not hammer a job sitting just short of done", () => {
    // 99% after 10 minutes predicts ~6 s left; polls stay at least 5% of the job's age apart.
    expect(nextPollDelaySeconds(job(), { progress: 99 }, at(600))).toBe(30);
  });

  it("polls an overdue job at a share of its age, at least every two minutes", () => {
    const expected = expectedGenerationSeconds("sora-2", 8);
    expect(nextPollDelaySeconds(job(), { progress: 0 }, at(expected + 50))).toBe(
      Math.ceil((expected + 50) * 0.1),
    );
    expect(nextPollDelaySeconds(job(), { progress: 0 }, at(6 * 3600))).toBe(120);
  });

  it("stays between 1 s and SQS's 15 minutes", () => {
    expect(nextPollDelaySeconds(job(), { progress: 0 }, at(0))).toBeGreaterThanOrEqual(1);
    // A 1% job after an hour predicts 99 more hours: capped.
    expect(nextPollDelaySeconds(job(), { progress: 1 }, at(3600))).toBe(MAX_DELAY_SECONDS);
    // A clock slightly behind the job's creation time still gives a sane delay.
    expect(nextPollDelaySeconds(job(), { progress: 0 }, at(-5))).toBeGreaterThanOrEqual(1);
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
