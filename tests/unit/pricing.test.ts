import { describe, expect, it } from "vitest";
import { estimateCostUsd } from "#core/providers/declarations";

describe("estimateCostUsd", () => {
  it.each([
    ["sora-2", 4, "1280x720", 0.4],
    ["sora-2", 12, "720x1280", 1.2],
    ["sora-2-pro", 8, "1280x720", 2.4],
    ["sora-2-pro", 12, "1792x1024", 6],
    ["sora-2-pro", 4, "1024x1792", 2],
    ["sora-2-pro-2025-10-06", 4, "1280x720", 1.2],
  ])("%s, %is at %s costs $%d", (model, seconds, size, usd) => {
    expect(estimateCostUsd({ provider: "openai", model, seconds, size })).toBe(usd);
  });

  it.each([
    ["an unknown model", "gen4.5", 4, "1280x720"],
    ["a size the model was never sold at", "sora-2", 4, "1792x1024"],
    ["a malformed size", "sora-2", 4, "big"],
    ["no duration", "sora-2", 0, "1280x720"],
  ])("knows no price for %s", (_, model, seconds, size) => {
    expect(estimateCostUsd({ provider: "openai", model, seconds, size })).toBeUndefined();
  });
});
