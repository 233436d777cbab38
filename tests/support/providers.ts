import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import type {
  CallTime,
  NormalisedStatus,
  ProviderJobRef,
  VideoProvider,
} from "#core/providers/contract";
import { startClock, TIME_BUDGETS } from "#core/time-budgets";
import { probe } from "#local/ffprobe";
import { waitFor } from "./wait";

/** A create's time as a request a person waits on gives it: made when asked, so it is fresh. */
export const createTime = (): CallTime => startClock(TIME_BUDGETS.startVideo).providerCall();

/** Asks the adapter about the job until `done` holds; returns every status seen on the way. */
export async function untilStatus(
  adapter: VideoProvider,
  key: string,
  job: ProviderJobRef,
  done: (status: NormalisedStatus) => boolean,
): Promise<NormalisedStatus[]> {
  const seen: NormalisedStatus[] = [];
  await waitFor(
    async () => {
      const status = await adapter.getStatus(key, job);
      seen.push(status);
      return done(status);
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `${job.providerJobId} to move on` },
  );
  return seen;
}

/** Downloads a finished job's video through the adapter into `dir`, and probes it. */
export async function downloadedVideo(
  adapter: VideoProvider,
  key: string,
  job: ProviderJobRef,
  dir: string,
) {
  const content = await adapter.download(key, job, "video");
  expect(content.contentType).toMatch(/^video\/mp4/);
  const file = join(dir, `${job.providerJobId.replace(/\W/g, "_")}.mp4`);
  await writeFile(file, Buffer.from(await new Response(content.body).arrayBuffer()));
  return probe(file);
}
