// The sums that keep every request inside its limits, on the real figures: the time budgets in
// core/time-budgets.ts, and the Lambda timeouts and CloudFront waits infra/ declares (recorded
// from sst.config.ts, local/infra/). A request's budget fits in its Lambda's timeout, with room for
// the reply; the timeout fits in API Gateway's 30 s and CloudFront's wait, with room for theirs.
import { beforeAll, describe, expect, it } from "vitest";
import { INTERACTIVE_DEADLINE_MS } from "#core/providers/contract";
import {
  API_GATEWAY_LIMIT_SECONDS,
  GATEWAY_MARGIN_SECONDS,
  LAMBDA_MARGIN_MS,
  startClock,
  TIME_BUDGETS,
  type TimeBudget,
} from "#core/time-budgets";
import { loadStackModel } from "#local/infra/index";
import type { StackModel } from "#local/infra/model";

/** What each route waits on beyond DynamoDB, S3 and SQS; every other route is storage only. */
const ROUTE_BUDGETS: Record<string, TimeBudget> = {
  "POST /api/videos": TIME_BUDGETS.startVideo,
  "POST /api/videos/{id}/remix": TIME_BUDGETS.startVideo,
  "GET /api/providers": TIME_BUDGETS.accountCheck,
  "POST /api/prompts/improve": TIME_BUDGETS.tool,
  "POST /api/images": TIME_BUDGETS.tool,
};

/** The site's server runs all of it: the create and remix forms, the picker's accounts, the tools. */
const SITE_BUDGETS = Object.values(TIME_BUDGETS);

/** What a request does before its provider call at least (its checks, a reservation). */
const BEFORE_PROVIDER_MS = 1_000;

let model: StackModel;
beforeAll(async () => {
  model = await loadStackModel();
});

const budgetOf = (routeKey: string) => ROUTE_BUDGETS[routeKey] ?? TIME_BUDGETS.storageOnly;

/** How long CloudFront waits for the origin behind `path`, seconds. */
function readTimeoutOf(path: string): number {
  const route = Object.values(model.routers ?? {})
    .flatMap((router) => router.routes)
    .find((candidate) => candidate.path === path);
  if (!route) throw new Error(`No router route for ${path}`);
  return route.readTimeout;
}

describe("time budgets", () => {
  it("leave each provider call room for what comes before it and what must follow it", () => {
    for (const [name, budget] of Object.entries(TIME_BUDGETS) as [string, TimeBudget][]) {
      const provider = budget.providerMs ?? 0;
      const after = budget.afterProviderMs ?? 0;
      expect(BEFORE_PROVIDER_MS + provider + after, name).toBeLessThanOrEqual(budget.totalMs);
    }
    // 24 s - 17 s - 4 s = 3 s for the checks, an image fitted and the reservation before one
    // create attempt; then the job's record, or the seconds given back.
    const { startVideo } = TIME_BUDGETS;
    expect(startVideo.totalMs - startVideo.providerMs - startVideo.afterProviderMs).toBe(3_000);
  });

  it("fit every route's Lambda, whose timeout fits API Gateway's 30 s and CloudFront's wait", () => {
    const cloudFront = readTimeoutOf("/api");
    const limit = Math.min(API_GATEWAY_LIMIT_SECONDS, cloudFront) - GATEWAY_MARGIN_SECONDS;
    expect(limit).toBe(29);
    expect(model.routes.length).toBeGreaterThan(0);
    for (const { method, path, fn } of model.routes) {
      const routeKey = `${method} ${path}`;
      const budget = budgetOf(routeKey);
      expect(budget.totalMs + LAMBDA_MARGIN_MS, `${routeKey}: budget + margin`).toBeLessThanOrEqual(
        fn.timeout * 1000,
      );
      expect(fn.timeout, `${routeKey}: Lambda timeout`).toBeLessThanOrEqual(limit);
    }
    for (const routeKey of Object.keys(ROUTE_BUDGETS)) {
      expect(
        model.routes.some((route) => `${route.method} ${route.path}` === routeKey),
        `${routeKey} is a route of infra/api.ts`,
      ).toBe(true);
    }
  });

  it("fit the site's server, which CloudFront waits for as long as its timeout", () => {
    const site = model.sites?.Site;
    expect(site).toBeDefined();
    const longest = Math.max(...SITE_BUDGETS.map((budget) => budget.totalMs));
    expect(longest + LAMBDA_MARGIN_MS).toBeLessThanOrEqual(site!.timeout * 1000);
    expect(site!.timeout).toBeLessThanOrEqual(readTimeoutOf("/"));
  });

  it("give the prompt and image tools their budget's provider share as their deadline", () => {
    expect(INTERACTIVE_DEADLINE_MS).toBe(TIME_BUDGETS.tool.providerMs);
  });
});

describe("a request's clock", () => {
  const budget = TIME_BUDGETS.startVideo;
  const start = 1_000_000;

  it("gives the provider call its whole share when the request is young", () => {
    expect(startClock(budget, start).providerCall(start + 500).timeoutMs).toBe(budget.providerMs);
  });

  it("gives a late provider call only what is left before the work that must follow it", () => {
    // Slow checks took 6 s: 24 - 4 - 6 = 14 s is left of the 17.
    const clock = startClock(budget, start);
    expect(clock.providerCall(start + 6_000).timeoutMs).toBe(14_000);
    expect(clock.endsAt).toBe(start + 24_000);
  });

  it("gives a call past the budget no time: its signal ends at once", async () => {
    const time = startClock(budget, start).providerCall(start + budget.totalMs);
    expect(time.timeoutMs).toBe(0);
    if (!time.signal.aborted) {
      await new Promise((ended) => time.signal.addEventListener("abort", ended, { once: true }));
    }
    expect(time.signal.aborted).toBe(true);
  });
});
