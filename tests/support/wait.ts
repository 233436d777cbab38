import { setTimeout as sleep } from "node:timers/promises";

export interface WaitOptions {
  timeoutMs: number;
  /** What is awaited, for the timeout message: "the DLQ to hold the message". */
  what?: string;
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | 0 | "" | null | undefined>;

/**
 * Polls `probe` until it returns something truthy and resolves with it; rejects once the deadline
 * passes. The way tests wait for something asynchronous to happen, instead of sleeping.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { timeoutMs, what = "the condition", intervalMs = 50 }: WaitOptions,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Truthy<T>;
    if (Date.now() > deadline)
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}
