// The OpenAI-compatible adapter reads gateways as they are, not as the OpenAI shape says they
// should be (docs/notes/providers.md, OpenAI-compatible video gateways).
import type { Video } from "openai/resources/videos";
import { describe, expect, it } from "vitest";
import { normalise } from "#core/providers/openai";

const video = (fields: Record<string, unknown>) =>
  ({ id: "video_1", ...fields }) as unknown as Video;

describe("a gateway's video status", () => {
  it("reads the OpenAI shape as it is", () => {
    expect(normalise(video({ status: "in_progress", progress: 42.4 }))).toMatchObject({
      status: "in_progress",
      progress: 42,
    });
    expect(normalise(video({ status: "completed", completed_at: 1_700_000_000 }))).toMatchObject({
      status: "completed",
      progress: 100,
      completedAt: "2023-11-14T22:13:20.000Z",
    });
  });

  it("takes other status words for what they mean", () => {
    expect(normalise(video({ status: "processing" })).status).toBe("in_progress");
    expect(normalise(video({ status: "pending" })).status).toBe("queued");
    expect(normalise(video({ status: "succeeded" })).status).toBe("completed");
    expect(normalise(video({ status: "cancelled" })).status).toBe("failed");
  });

  it("leaves progress unknown when the gateway reports none, for Takes to estimate", () => {
    const status = normalise(video({ status: "processing" }));
    expect(status.progress).toBeUndefined();
    expect(status.completedAt).toBeUndefined();
  });

  it("gives a failure without a reason a readable one", () => {
    expect(normalise(video({ status: "failed" })).error).toEqual({
      code: "generation_failed",
      message: "The provider could not generate this video.",
    });
  });
});
