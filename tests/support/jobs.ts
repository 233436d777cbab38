import { randomBytes } from "node:crypto";
import type { NewJob } from "#core/jobs/model";

/** `prefix` and random hex: ids that keep tests independent on shared tables. */
export const uniqueId = (prefix: string) => `${prefix}${randomBytes(6).toString("hex")}`;

/** A new sora-2 job of a fresh owner, its first poll an hour away; tests override what matters. */
export function newJobInput(overrides: Partial<NewJob> = {}): NewJob {
  return {
    owner: uniqueId("owner_"),
    provider: "openai",
    providerJobId: uniqueId("video_"),
    model: "sora-2",
    prompt: "a lighthouse in fog",
    seconds: 4,
    size: "1280x720",
    nextPollAt: Date.now() + 3_600_000,
    ...overrides,
  };
}
