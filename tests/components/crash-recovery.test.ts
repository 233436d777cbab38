// A crash of the local runtime (the stand-in for every Lambda host) in the middle of a copy: the
// job must still complete once the runtime is back, with exactly one video stored and nothing lost.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStack, type Stack } from "#local/stack";
import { waitFor } from "../support/wait";

const port = Number(process.env.TAKES_CRASH_TEST_PORT ?? 3160);
const dataDir = mkdtempSync(join(tmpdir(), "takes-crash-"));
const credential = "sk-test-crash-recovery";
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({
    port,
    dataDir,
    providerGenerationMs: 1500,
    scheduleIntervalMs: 1000,
    // Long enough for the copier's 15 s safety margin, short enough to recover within the test.
    copyLeaseMs: 20_000,
  });
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api(path: string, init: RequestInit = {}) {
  const response = await fetch(`${stack.url}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${credential}`,
      "content-type": "application/json",
      ...init.headers,
    },
  });
  return (await response.json()) as {
    id: string;
    status: string;
    media: Record<string, { bytes: number } | null>;
  };
}

const emulatorFaults = (faults: object | undefined) =>
  fetch(`${stack.providerUrl}/_emulator/faults`, {
    method: faults ? "POST" : "DELETE",
    headers: { "content-type": "application/json" },
    body: faults ? JSON.stringify(faults) : undefined,
  });

describe("a runtime crash mid-copy", () => {
  // Recovery waits out the copy lease and the sweeper's grace: about a minute, more under load.
  it(
    "leaves the job recoverable: after a restart it completes with one copy of the video",
    { timeout: 300_000 },
    async () => {
      const created = await api("/api/videos", {
        method: "POST",
        body: JSON.stringify({
          prompt: "a lighthouse in fog",
          model: "sora-2",
          seconds: 4,
          size: "1280x720",
        }),
      });
      // Every provider answer now takes seconds, so the copier is caught while it downloads.
      await emulatorFaults({ slowMs: 6_000 });
      await waitFor(async () => (await api(`/api/videos/${created.id}`)).status === "copying", {
        timeoutMs: 60_000,
        what: "the copy to start",
      });

      await stack.crashRuntime();
      await emulatorFaults(undefined);
      await stack.startRuntime();

      const done = await waitFor(
        async () => {
          const job = await api(`/api/videos/${created.id}`);
          return job.status === "completed" && job.media.video ? job : undefined;
        },
        { timeoutMs: 150_000, intervalMs: 500, what: "the job to complete after the restart" },
      );
      const s3 = new S3Client({
        endpoint: stack.awsUrl,
        forcePathStyle: true,
        region: "us-east-1",
        credentials: { accessKeyId: "takeslocal", secretAccessKey: "takeslocal" },
      });
      const stored = await s3.send(
        new ListObjectsV2Command({ Bucket: "media", Prefix: "videos/" }),
      );
      const videos = (stored.Contents ?? []).filter(
        (object) => object.Key?.includes(created.id) && object.Key.endsWith("/video.mp4"),
      );
      expect(videos).toHaveLength(1);
      expect(videos[0]?.Size).toBe(done.media.video?.bytes);
      expect(done.media.video?.bytes).toBeGreaterThan(10_000);
    },
  );
});
