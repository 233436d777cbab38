// Requests that wait on a provider stay inside their time budget (core/time-budgets.ts), whatever
// the provider does: a create that the provider does not answer in time gets Takes' own 504 well
// before API Gateway's 30 s, with the access code's reserved seconds already given back (on AWS a
// Lambda killed at its timeout could never give them back); and deleting a video answers without
// waiting on the provider, which deletes its copy afterwards.
import { randomBytes } from "node:crypto";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { findAccessCode, issueAccessCode } from "#core/access-codes";
import { LAMBDA_MARGIN_MS, TIME_BUDGETS } from "#core/time-budgets";
import { api, newKey, useStackEnvironment } from "../../support/api";
import { emulatorFaults, providerVideos } from "../../support/emulator";
import { VIDEO } from "../../support/videos";
import { waitFor } from "../../support/wait";

beforeAll(useStackEnvironment);

afterEach(() => emulatorFaults());

describe("time budgets", () => {
  it("a provider slower than the create's budget gets a timely 504, the code's seconds back", async () => {
    const code = `take-test-${randomBytes(6).toString("hex")}`;
    await issueAccessCode(code, { label: `budget ${code.slice(-6)}`, quotaSeconds: 8 });
    // Slower than the whole budget: only Takes' own deadline can end the call.
    await emulatorFaults({ slowMs: TIME_BUDGETS.startVideo.totalMs + 5_000 });
    const started = Date.now();
    const { status, body } = await api("/api/videos", { credential: code, json: VIDEO });
    const tookMs = Date.now() - started;

    expect(status).toBe(504);
    expect(body.error.code).toBe("provider_timeout");
    expect(tookMs).toBeLessThan(TIME_BUDGETS.startVideo.totalMs + LAMBDA_MARGIN_MS);
    // Given back before the answer, not by a handler living on after it.
    expect((await findAccessCode(code))?.usedSeconds).toBe(0);
    expect((await api("/api/videos", { credential: code })).body.jobs).toEqual([]);
  });

  it("a delete answers without waiting on the provider, which deletes its copy afterwards", async () => {
    const key = newKey();
    const created = await api("/api/videos", { credential: key, json: VIDEO });
    expect(created.status).toBe(202);
    expect(await providerVideos(key)).toHaveLength(1);

    const slowMs = 8_000;
    await emulatorFaults({ slowMs });
    const started = Date.now();
    const deleted = await api(`/api/videos/${created.body.id}`, {
      credential: key,
      method: "DELETE",
    });
    expect(deleted.status).toBe(204);
    expect(Date.now() - started).toBeLessThan(slowMs / 2);
    expect((await api(`/api/videos/${created.body.id}`, { credential: key })).status).toBe(404);

    await emulatorFaults();
    await waitFor(async () => (await providerVideos(key)).length === 0, {
      timeoutMs: 30_000,
      what: "the provider's copy to be deleted",
    });
  });
});
