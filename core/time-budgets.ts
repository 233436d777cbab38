/**
 * How long each request a person waits on may take: the one home of the numbers that must fit
 * together. API Gateway answers 504 at 30 s whatever the Lambda does, and a Lambda killed at its
 * timeout runs no `catch` or `finally`: seconds it reserved on an access code stay spent, and a job
 * a provider started for it is never recorded. So each request's work fits in its budget, the
 * budget fits in its Lambda's timeout (infra/ derives the timeout from here), and the timeout fits
 * in API Gateway's limit and CloudFront's origin read timeout (tests/unit/time-budgets.test.ts
 * does the sums on infra's real figures). A provider call gets what its request's budget leaves
 * it, as one attempt ended by an AbortSignal: never an SDK's retry of a create.
 */

/** API Gateway's HTTP API stops waiting for a Lambda after 30 s. */
export const API_GATEWAY_LIMIT_SECONDS = 30;

/** What a Lambda's timeout leaves under the gateway's (or CloudFront's) limit: their own overhead. */
export const GATEWAY_MARGIN_SECONDS = 1;

/** What a Lambda's timeout adds to its request's budget: the reply, the clocks' disagreement. */
export const LAMBDA_MARGIN_MS = 2_000;

export interface TimeBudget {
  /** The whole request, from the handler's start to its reply. */
  totalMs: number;
  /** The most one provider call may take (a single attempt). */
  providerMs?: number;
  /**
   * Kept back from the provider call for what must follow it whatever it answered: recording the
   * job, or giving back the seconds reserved for it.
   */
  afterProviderMs?: number;
}

export const TIME_BUDGETS = {
  /**
   * Creating or remixing a video: the checks, an image fitted, the seconds reserved, one provider
   * create, the job recorded. A provider answers a create in a second or two; 17 s is for a slow
   * day, not for a second attempt.
   */
  startVideo: { totalMs: 24_000, providerMs: 17_000, afterProviderMs: 4_000 },
  /** GET /api/providers: a brought key's account (Runway's credits), asked of its provider. */
  accountCheck: { totalMs: 12_000, providerMs: 8_000, afterProviderMs: 1_000 },
  /** The prompt and image tools: the model's answer (retries included), then the image stored. */
  tool: { totalMs: 27_000, providerMs: 25_000, afterProviderMs: 1_000 },
  /** Every other request: DynamoDB, S3 and SQS only (and health's and webhooks' few-second probes). */
  storageOnly: { totalMs: 18_000 },
} as const satisfies Record<string, TimeBudget>;

/** The Lambda timeout, in whole seconds, that a request of `budget` needs. */
export const lambdaTimeoutSeconds = (budget: TimeBudget) =>
  Math.ceil((budget.totalMs + LAMBDA_MARGIN_MS) / 1000);

/** A provider call's time: one attempt of at most `timeoutMs`, ended by `signal`. */
export interface CallTime {
  signal: AbortSignal;
  timeoutMs: number;
}

/**
 * A request's clock, started as it begins: the provider call gets what is left of the budget once
 * the work that must follow it is kept back, and never more than the budget's provider share.
 */
export function startClock(budget: TimeBudget, startedAt = Date.now()) {
  const endsAt = startedAt + budget.totalMs;
  return {
    endsAt,
    providerCall(now = Date.now()): CallTime {
      const left = endsAt - (budget.afterProviderMs ?? 0) - now;
      const timeoutMs = Math.max(0, Math.min(budget.providerMs ?? left, left));
      return { signal: AbortSignal.timeout(timeoutMs), timeoutMs };
    },
  };
}
export type RequestClock = ReturnType<typeof startClock>;
