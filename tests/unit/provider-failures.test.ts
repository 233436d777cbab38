import { describe, expect, it } from "vitest";
import {
  ContentExpired,
  ProviderRateLimited,
  ProviderRejected,
  ProviderUnavailable,
  providerFailureToTakesError,
} from "#core/providers/contract";

describe("providerFailureToTakesError", () => {
  it("keeps a rejection's 4xx, code and message: they describe the person's own request", () => {
    const error = providerFailureToTakesError(
      new ProviderRejected(400, "invalid_size", "The reference image must be 1280x720."),
    );
    expect(error?.status).toBe(400);
    expect(error?.toJSON()).toEqual({
      error: { code: "provider_invalid_size", message: "The reference image must be 1280x720." },
    });
  });

  it("turns a rate limit into a 429 with a whole-second retry-after", () => {
    const error = providerFailureToTakesError(new ProviderRateLimited(1_500));
    expect(error?.status).toBe(429);
    expect(error?.retryAfterSeconds).toBe(2);
  });

  it("turns an outage into a 503 and a lapsed copy into a 410", () => {
    expect(providerFailureToTakesError(new ProviderUnavailable())?.status).toBe(503);
    expect(providerFailureToTakesError(new ContentExpired())?.status).toBe(410);
  });

  it("leaves anything else alone", () => {
    expect(providerFailureToTakesError(new Error("bug"))).toBeUndefined();
  });
});
