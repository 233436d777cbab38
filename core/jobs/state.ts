/**
 * The job state machine, as data. The repository builds its DynamoDB conditions from it, so the
 * rules checked in the unit tests are the rules the table enforces.
 *
 *   queued → in_progress → copying → completed
 *      └──────────┴────────────┴──→ failed | expired
 *
 * A state may "move" to itself (a poll that only updates progress, a copy retaken after its lease
 * ran out). Nothing moves backwards, and the three terminal states are final.
 */

export const JOB_STATUSES = [
  "queued",
  "in_progress",
  "copying",
  "completed",
  "failed",
  "expired",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const ACTIVE_STATUSES = ["queued", "in_progress", "copying"] as const;
export type ActiveStatus = (typeof ACTIVE_STATUSES)[number];

export const TERMINAL_STATUSES = ["completed", "failed", "expired"] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** For each state, the states a job in it may move to. */
export const TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  queued: ["queued", "in_progress", "copying", "failed", "expired"],
  in_progress: ["in_progress", "copying", "failed", "expired"],
  // Completion only ever comes from a copier that holds the lease; expired when the provider's
  // copy lapsed before it could be streamed out.
  copying: ["copying", "completed", "failed", "expired"],
  completed: [],
  failed: [],
  expired: [],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** The states from which a job may move to `to`: the condition of every write that sets `to`. */
export function statusesAllowedBefore(to: JobStatus): JobStatus[] {
  return JOB_STATUSES.filter((from) => canTransition(from, to));
}

export const isJobStatus = (value: unknown): value is JobStatus =>
  (JOB_STATUSES as readonly unknown[]).includes(value);

export const isActive = (status: JobStatus): status is ActiveStatus =>
  (ACTIVE_STATUSES as readonly JobStatus[]).includes(status);

export const isTerminal = (status: JobStatus): status is TerminalStatus => !isActive(status);
