/**
 * Estimated generation cost, from the provider's historic list prices (notes/providers.md). An
 * estimate for the person's own budgeting, not a bill: gateways and other providers charge their own.
 */

type Resolution = "720p" | "1024p";

/** US cents per second of output, by model and resolution. Cents keep the sums exact. */
const CENTS_PER_SECOND: Record<string, Partial<Record<Resolution, number>>> = {
  "sora-2": { "720p": 10 },
  "sora-2-pro": { "720p": 30, "1024p": 50 },
};

/** 1280x720 and 720x1280 are billed as 720p, 1792x1024 and 1024x1792 as 1024p. */
function resolutionOf(size: string): Resolution | undefined {
  const match = /^(\d+)x(\d+)$/.exec(size);
  if (!match) return undefined;
  const shortSide = Math.min(Number(match[1]), Number(match[2]));
  if (shortSide <= 720) return "720p";
  if (shortSide <= 1024) return "1024p";
  return undefined;
}

/** Dated slugs ("sora-2-pro-2025-10-06") cost what their model family costs. */
export const modelFamily = (model: string) => model.replace(/-\d{4}-\d{2}-\d{2}$/, "");

/** USD for one video, or undefined when no price is known for this model at this size. */
export function estimateCostUsd(model: string, seconds: number, size: string): number | undefined {
  const resolution = resolutionOf(size);
  const cents = resolution && CENTS_PER_SECOND[modelFamily(model)]?.[resolution];
  if (cents === undefined || !Number.isFinite(seconds) || seconds <= 0) return undefined;
  return (cents * seconds) / 100;
}
