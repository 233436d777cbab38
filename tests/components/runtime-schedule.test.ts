import type { ScheduledEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntime, type Runtime } from "#local/runtime/index";
import { scheduleIntervalMs } from "#local/runtime/schedule";
import { receivedBy } from "../fixtures/handlers/recorder";
import { fixture, stackModel } from "../support/stack-model";
import { waitFor } from "../support/wait";

// EventBridge schedules: the handler runs again and again with a "Scheduled Event".

const INTERVAL_MS = 150;
let runtime: Runtime;

beforeAll(async () => {
  runtime = await startRuntime({
    model: stackModel({
      schedules: [{ name: "Sweeper", schedule: "rate(1 minute)", fn: fixture("scheduled.tick") }],
    }),
    resources: {},
    port: 0,
    scheduleIntervalMs: INTERVAL_MS,
  });
});

afterAll(async () => {
  await runtime?.stop();
});

describe("schedules", () => {
  it("invoke the handler repeatedly with EventBridge's Scheduled Event", async () => {
    const calls = await waitFor(
      () => {
        const ticks = receivedBy<ScheduledEvent>("tick");
        return ticks.length >= 3 && ticks;
      },
      { timeoutMs: 5_000, what: "three scheduled runs" },
    );
    const [first, second] = calls;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(INTERVAL_MS - 20);
    expect(first!.event).toEqual({
      version: "0",
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      "detail-type": "Scheduled Event",
      source: "aws.events",
      account: "000000000000",
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      region: "us-east-1",
      resources: ["arn:aws:events:us-east-1:000000000000:rule/Sweeper"],
      detail: {},
    });
    expect(new Set(calls.map(({ event }) => event.id)).size).toBe(calls.length);
  });

  it("read rate and fixed-interval cron expressions, and refuse what AWS or the runtime cannot", () => {
    expect(scheduleIntervalMs("rate(1 minute)")).toBe(60_000);
    expect(scheduleIntervalMs("rate(5 minutes)")).toBe(300_000);
    expect(scheduleIntervalMs("rate(2 hours)")).toBe(7_200_000);
    expect(scheduleIntervalMs("cron(0/5 * * * ? *)")).toBe(300_000);
    expect(scheduleIntervalMs("cron(15 * * * ? *)")).toBe(3_600_000);
    expect(() => scheduleIntervalMs("rate(1 minutes)")).toThrow(/1 minute/);
    expect(() => scheduleIntervalMs("rate(5 minute)")).toThrow(/5 minutes/);
    expect(() => scheduleIntervalMs("rate(5 fortnights)")).toThrow(/unit/);
    expect(() => scheduleIntervalMs("cron(0 12 * * ? *)")).toThrow(/fixed interval/);
  });
});
