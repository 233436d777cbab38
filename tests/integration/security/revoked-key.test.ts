// A brought key that its provider revokes while a job runs: the job waits, with a clear state,
// instead of failing and losing the video the provider still holds; once the key works again the
// owner carries on from the video's page (or by signing in again) and the job completes.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { getJob } from "#core/jobs/repository";
import { KEY_NO_LONGER_VALID } from "#core/pipeline/failures";
import { api, newKey, useStackEnvironment } from "../../support/api";
import { setKeyRevoked } from "../../support/emulator";
import { runtimeLog } from "../../support/runtime-log";
import { signInCookie } from "../../support/session";
import { VIDEO } from "../../support/videos";
import { waitFor } from "../../support/wait";

const stack = inject("stack");

beforeAll(useStackEnvironment);

/** A job made with a fresh brought key that the provider then revokes, once the poll parks it. */
async function jobParkedForItsKey() {
  const key = newKey();
  const created = await api("/api/videos", { credential: key, json: VIDEO });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  await setKeyRevoked(key, true);
  const parked = await waitFor(
    async () => {
      const job = await getJob(id);
      return job?.awaitingKey ? job : undefined;
    },
    { timeoutMs: 60_000, what: "the poll to find the key refused" },
  );
  return { key, id, parked };
}

describe("a brought key revoked mid-job", () => {
  it("parks the job with a reason, and the owner resumes it once the key works again", async () => {
    const { key, id, parked } = await jobParkedForItsKey();
    expect(parked.status).toMatch(/^(queued|in_progress)$/);
    expect(parked.awaitingKey).toEqual(KEY_NO_LONGER_VALID);
    // Off the schedule: neither the poller nor the sweeper will ask the provider meanwhile.
    expect(parked.nextPollAt).toBeUndefined();
    expect(parked.pollShard).toBeUndefined();
    const shown = await api(`/api/videos/${id}`, { credential: key });
    expect(shown.body).toMatchObject({ error: null, awaitingKey: KEY_NO_LONGER_VALID });

    // The page says so, and offers to carry on.
    const cookie = await signInCookie(key);
    const page = await fetch(`${stack.url}/videos/${id}`, { headers: { cookie } });
    const html = await page.text();
    expect(html).toContain("Waiting for your key");
    expect(html).toContain('action="?/resume"');

    await setKeyRevoked(key, false);
    const resumed = await fetch(`${stack.url}/videos/${id}?/resume`, {
      method: "POST",
      headers: {
        cookie,
        origin: stack.url,
        accept: "text/html",
        "content-type": "application/x-www-form-urlencoded",
      },
      body: "",
      redirect: "manual",
    });
    expect(resumed.status).toBe(303);
    const done = await waitFor(
      async () => {
        const job = await getJob(id);
        return job?.status === "completed" ? job : undefined;
      },
      { timeoutMs: 90_000, what: "the resumed job to complete" },
    );
    expect(done.awaitingKey).toBeUndefined();
    expect(done.media.video).toBeDefined();
  });

  it("signing in with the key again resumes the job; a key still refused parks it again after one look", async () => {
    const { key, id, parked } = await jobParkedForItsKey();
    await signInCookie(key);
    const resumedBySignIn = async () =>
      (
        await runtimeLog(
          (entry) => entry.message === "jobs resumed" && String(entry.jobs).includes(id),
          "site",
        )
      ).length > 0;
    await waitFor(resumedBySignIn, { timeoutMs: 10_000, what: "the sign-in to resume the job" });
    const again = await waitFor(
      async () => {
        const job = await getJob(id);
        return job && job.pollCount > parked.pollCount && job.awaitingKey ? job : undefined;
      },
      { timeoutMs: 60_000, what: "the resumed poll to park the job again" },
    );
    expect(again.status).toMatch(/^(queued|in_progress)$/);
    expect(again.nextPollAt).toBeUndefined();
  });
});
