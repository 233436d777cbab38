import { describe, expect, it } from "vitest";
import {
  ACTIVE_STATUSES,
  JOB_STATUSES,
  TERMINAL_STATUSES,
  canTransition,
  isActive,
  isJobStatus,
  isTerminal,
  statusesAllowedBefore,
  type JobStatus,
} from "#core/jobs/state";

// Every allowed move, written out: a change to the state machine must change this list too.
// Every one of the 36 pairs not listed here must be refused.
const ALLOWED: Record<JobStatus, JobStatus[]> = {
  queued: ["queued", "in_progress", "copying", "failed", "expired"],
  in_progress: ["in_progress", "copying", "failed", "expired"],
  copying: ["copying", "completed", "failed", "expired"],
  completed: [],
  failed: [],
  expired: [],
};

/** Position on the happy path; failed and expired sit beyond it, as ends. */
const RANK: Record<JobStatus, number> = {
  queued: 0,
  in_progress: 1,
  copying: 2,
  completed: 3,
  failed: 3,
  expired: 3,
};

describe("job state machine", () => {
  const pairs = JOB_STATUSES.flatMap((from) => JOB_STATUSES.map((to) => [from, to] as const));

  it.each(pairs)("%s → %s follows the table", (from, to) => {
    expect(canTransition(from, to)).toBe(ALLOWED[from].includes(to));
  });

  it("never moves backwards", () => {
    for (const [from, to] of pairs) {
      if (canTransition(from, to)) expect(RANK[to]).toBeGreaterThanOrEqual(RANK[from]);
    }
  });

  it("keeps terminal states final and reaches each of them from copying", () => {
    for (const terminal of TERMINAL_STATUSES) {
      expect(JOB_STATUSES.filter((to) => canTransition(terminal, to))).toEqual([]);
      expect(canTransition("copying", terminal)).toBe(true);
    }
  });

  it("completes only through copying", () => {
    expect(statusesAllowedBefore("completed")).toEqual(["copying"]);
  });

  it("lists, for each target, exactly the states that may move to it", () => {
    for (const to of JOB_STATUSES) {
      expect(statusesAllowedBefore(to)).toEqual(
        JOB_STATUSES.filter((from) => ALLOWED[from].includes(to)),
      );
    }
  });

  it("splits statuses into active and terminal", () => {
    expect(JOB_STATUSES.filter(isActive)).toEqual([...ACTIVE_STATUSES]);
    expect(JOB_STATUSES.filter(isTerminal)).toEqual([...TERMINAL_STATUSES]);
  });

  it("recognises statuses", () => {
    expect(isJobStatus("copying")).toBe(true);
    expect(isJobStatus("done")).toBe(false);
    expect(isJobStatus(undefined)).toBe(false);
  });
});
