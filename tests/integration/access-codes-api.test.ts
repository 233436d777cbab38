// Access-code quotas, revocation, expiry and rate limits through the HTTP API of the local stack,
// and the operator's `npm run codes` command run against that stack's data folder.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { findAccessCode, issueAccessCode, revokeAccessCode } from "#core/access-codes";
import { RATE_LIMITS } from "#core/rate-limit";
import { api, newKey, useStackEnvironment } from "../support/api";
import { waitFor } from "../support/wait";

beforeAll(useStackEnvironment);

const video = (seconds: number) => ({
  prompt: "A kite over a windy beach",
  model: "sora-2",
  seconds,
  size: "1280x720",
});

const create = (credential: string, seconds = 4) =>
  api("/api/videos", { credential, json: video(seconds) });

/** A fresh code with its own quota, issued the way `npm run codes -- add` issues one. */
async function newCode(quotaSeconds: number, expiresAt?: Date) {
  const code = `take-test-${randomBytes(6).toString("hex")}`;
  const label = `integration ${code.slice(-6)}`;
  await issueAccessCode(code, { label, quotaSeconds, expiresAt });
  return { code, label };
}

const usedSeconds = async (code: string) => (await findAccessCode(code))?.usedSeconds;

const emulatorFaults = (faults?: object) =>
  fetch(`${inject("stack").providerUrl}/_emulator/faults`, {
    method: faults ? "POST" : "DELETE",
    headers: { "content-type": "application/json" },
    body: faults ? JSON.stringify(faults) : undefined,
  });

async function settled(credential: string, id: string) {
  return waitFor(
    async () => {
      const { body } = await api(`/api/videos/${id}`, { credential });
      return ["completed", "failed", "expired"].includes(body.status) && body;
    },
    { timeoutMs: 60_000, what: `job ${id} to end` },
  );
}

describe("access-code quotas", () => {
  it("creates and remixes until 402, which says how many seconds are left", async () => {
    const { code } = await newCode(12);
    const first = await create(code, 4);
    expect(first.status).toBe(202);
    expect((await settled(code, first.body.id)).status).toBe("completed");

    const remix = await api(`/api/videos/${first.body.id}/remix`, {
      credential: code,
      json: { prompt: "The same kite at night" },
    });
    expect(remix.status).toBe(202);
    expect(await usedSeconds(code)).toBe(8);

    const refused = await create(code, 8);
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe("quota_exhausted");
    expect(refused.body.error.message).toMatch(/4 s left/);
    expect(await usedSeconds(code)).toBe(8);
    // What is left can still be spent.
    expect((await create(code, 4)).status).toBe(202);
    expect((await create(code, 4)).body.error.message).toMatch(/0 s left/);
  });

  it("a job that fails gives its seconds back", async () => {
    const { code } = await newCode(4);
    await emulatorFaults({ failNextJobs: { count: 1 } });
    try {
      const { status, body } = await create(code, 4);
      expect(status).toBe(202);
      expect(await usedSeconds(code)).toBe(4);
      expect((await settled(code, body.id)).status).toBe("failed");
    } finally {
      await emulatorFaults();
    }
    await waitFor(async () => (await usedSeconds(code)) === 0, {
      timeoutMs: 10_000,
      what: "the failed job's seconds to come back",
    });
    expect((await create(code, 4)).status).toBe(202);
  });

  it("a request the provider refuses gives its seconds back", async () => {
    const { code } = await newCode(8);
    // More server errors than the adapter retries.
    await emulatorFaults({ serverErrors: { count: 5 } });
    try {
      const { status } = await create(code, 8);
      expect(status).toBeGreaterThanOrEqual(500);
    } finally {
      await emulatorFaults();
    }
    expect(await usedSeconds(code)).toBe(0);
  });

  it("a revoked code is refused with 403, by code or by label", async () => {
    const { code, label } = await newCode(60);
    expect((await create(code)).status).toBe(202);
    await revokeAccessCode(label);
    for (const reply of [await create(code), await api("/api/videos", { credential: code })]) {
      expect(reply.status).toBe(403);
      expect(reply.body.error.code).toBe("access_code_revoked");
      expect(reply.body.error.message).toMatch(/revoked/);
    }
  });

  it("an expired code is refused with 403, saying when it expired", async () => {
    const { code } = await newCode(60, new Date(Date.now() - 60_000));
    const { status, body } = await create(code);
    expect(status).toBe(403);
    expect(body.error.code).toBe("access_code_expired");
    expect(body.error.message).toMatch(/expired on \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
    expect(await usedSeconds(code)).toBe(0);
  });

  it("brought keys have no quota", async () => {
    const credential = newKey();
    for (let i = 0; i < 3; i++) expect((await create(credential, 12)).status).toBe(202);
  });
});

describe("rate limits", () => {
  it("answers 429 with retry-after once the create budget is spent", async () => {
    const credential = newKey();
    const { limit } = RATE_LIMITS.create;
    const replies = [];
    // The budget slides: a minute boundary in the middle of the burst may let one more through.
    for (let i = 0; i < limit + 2; i++) {
      const reply = await create(credential);
      replies.push(reply);
      if (reply.status === 429) break;
    }
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.slice(0, limit)).toEqual(Array(limit).fill(202));
    const limited = replies.at(-1)!;
    expect(limited.status).toBe(429);
    expect(limited.body.error.code).toBe("rate_limited");
    expect(limited.body.error.message).toMatch(/at most 10 every 60 s/);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(120);
    // Another owner's budget is untouched.
    expect((await create(newKey())).status).toBe(202);
  });
});

describe("npm run codes", () => {
  const run = promisify(execFile);
  /** `npm run codes -- …` against the test stack's data folder and DynamoDB, as an operator runs it. */
  async function codes(...args: string[]) {
    const stack = inject("stack");
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith("SST_")),
    );
    const { stdout, stderr } = await run("npm", ["run", "--silent", "codes", "--", ...args], {
      cwd: process.cwd(),
      env: {
        ...env,
        TAKES_DATA_DIR: stack.dataDir,
        AWS_ENDPOINT_URL_DYNAMODB: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
      },
      timeout: 60_000,
    });
    return { stdout, stderr };
  }

  it("adds a code that works at once, lists it without the code, and revokes it", async () => {
    const label = `cli ${randomBytes(4).toString("hex")}`;
    const added = await codes(
      "add",
      "--label",
      label,
      "--seconds",
      "8",
      "--tool-uses",
      "7",
      "--expires",
      "2099-12-31",
    );
    const code = /^take(-[0-9a-z]{4}){4}$/m.exec(added.stdout)?.[0];
    expect(code, added.stdout + added.stderr).toBeDefined();
    expect(added.stderr).toContain(`Issued "${label}"`);
    expect(added.stderr).toContain("8 s of video, 7 tool uses, until 2099-12-31 23:59 UTC");

    expect((await create(code!, 8)).status).toBe(202);
    const exhausted = await create(code!, 4);
    expect(exhausted.status).toBe(402);
    expect(exhausted.body.error.message).toMatch(/0 s left/);

    const listed = await codes("list");
    const line = listed.stdout.split("\n").find((row) => row.startsWith(label));
    expect(line).toMatch(/exhausted\s+8\/8 s\s+0 s\s+0\/7\s+7\s+2099-12-31 23:59 UTC/);
    expect(listed.stdout + listed.stderr).not.toContain(code);

    const revoked = await codes("revoke", label);
    expect(revoked.stdout).toContain(`Revoked "${label}"`);
    const refused = await create(code!);
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe("access_code_revoked");
  });

  it("explains its usage and refuses bad input without touching anything", async () => {
    const refusal = (...args: string[]) =>
      codes(...args).then(
        () => expect.fail("expected a failure"),
        (error: { code: number; stderr: string }) => error,
      );
    const failed = await refusal("add", "--label", "x", "--seconds", "lots");
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/whole number of seconds/);
    const badBudget = await refusal("add", "--label", "x", "--seconds", "8", "--tool-uses", "many");
    expect(badBudget.code).toBe(1);
    expect(badBudget.stderr).toMatch(/--tool-uses is a whole number/);
  });
});
