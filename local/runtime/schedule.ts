import { randomUUID } from "node:crypto";
import type { EventBridgeEvent } from "aws-lambda";
import type { FunctionModel, StackModel } from "../infra/model";
import { LOCAL_ACCOUNT_ID, type InvocationResult } from "./lambda";

/**
 * EventBridge schedules: each rule invokes its function asynchronously with a "Scheduled Event"
 * at its rate, whether or not the previous run has finished. Locally the first run comes one
 * interval after start, as a new rule's does.
 */

type Schedule = StackModel["schedules"][number];
export type ScheduledEvent = EventBridgeEvent<"Scheduled Event", Record<string, never>>;

const MINUTE_MS = 60_000;
const UNIT_MS = { minute: MINUTE_MS, hour: 60 * MINUTE_MS, day: 24 * 60 * MINUTE_MS } as const;

function rateIntervalMs(expression: string, value: number, unit: string): number {
  const singular = unit.replace(/s$/, "") as keyof typeof UNIT_MS;
  if (!(singular in UNIT_MS))
    throw new Error(`${expression}: the unit must be minute(s), hour(s) or day(s)`);
  // EventBridge refuses "rate(1 minutes)" and "rate(5 minute)".
  if ((value === 1) !== (unit === singular)) {
    throw new Error(
      `${expression}: EventBridge wants "${value} ${value === 1 ? singular : `${singular}s`}"`,
    );
  }
  return value * UNIT_MS[singular];
}

/** Minutes between runs when a minute or hour field is "*", "*\/N" or "M/N". */
function stepOf(field: string): number | undefined {
  if (field === "*") return 1;
  const step = /^(?:\*|\d+)\/(\d+)$/.exec(field)?.[1];
  return step ? Number(step) : undefined;
}

/**
 * Only cron expressions that fire at a fixed interval have a local meaning here, e.g.
 * cron(0/5 * * * ? *) or cron(0 * * * ? *); the phase is not kept (runs count from start).
 */
function cronIntervalMs(expression: string, fields: string[]): number {
  const [minutes = "", hours = "", ...rest] = fields;
  const everyDay = fields.length === 6 && rest.every((field) => field === "*" || field === "?");
  const minuteStep = stepOf(minutes);
  const hourStep = stepOf(hours);
  if (everyDay && minuteStep !== undefined && hours === "*") return minuteStep * MINUTE_MS;
  if (everyDay && /^\d+$/.test(minutes) && hourStep !== undefined) return hourStep * UNIT_MS.hour;
  throw new Error(
    `${expression} does not fire at a fixed interval, which is all the local runtime can schedule; ` +
      "use rate(...) or a cron such as cron(0/5 * * * ? *)",
  );
}

/** The interval of an EventBridge schedule expression, in milliseconds. */
export function scheduleIntervalMs(expression: string): number {
  const rate = /^rate\((\d+) ([a-z]+)\)$/.exec(expression);
  if (rate) return rateIntervalMs(expression, Number(rate[1]), rate[2]!);
  const cron = /^cron\((.+)\)$/.exec(expression);
  if (cron) return cronIntervalMs(expression, cron[1]!.trim().split(/\s+/));
  throw new Error(`${expression}: a schedule is rate(...) or cron(...)`);
}

function scheduledEvent(schedule: Schedule, region: string): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: LOCAL_ACCOUNT_ID,
    // EventBridge stamps whole seconds: "2026-11-21T06:00:00Z".
    time: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    region,
    resources: [`arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${schedule.name}`],
    detail: {},
  };
}

export interface ScheduleOptions {
  schedules: Schedule[];
  region: string;
  /** Run every schedule this often instead of its own rate (tests). */
  intervalMs?: number;
  invoke: (fn: FunctionModel, event: unknown) => Promise<InvocationResult>;
}

export function startSchedules(options: ScheduleOptions) {
  // Every expression is parsed, even when overridden and before any timer starts, so one AWS
  // would refuse fails here too.
  const intervals = options.schedules.map((schedule) => {
    const declaredMs = scheduleIntervalMs(schedule.schedule);
    return { schedule, intervalMs: options.intervalMs ?? declaredMs };
  });
  const running = new Set<Promise<unknown>>();
  const timers = intervals.map(({ schedule, intervalMs }) =>
    setInterval(() => {
      // Errors are the invoke helper's to log; EventBridge's async retries are not emulated.
      const run = options.invoke(schedule.fn, scheduledEvent(schedule, options.region));
      running.add(run);
      void run.finally(() => running.delete(run));
    }, intervalMs),
  );
  return {
    async stop() {
      for (const timer of timers) clearInterval(timer);
      await Promise.all(running);
    },
  };
}
