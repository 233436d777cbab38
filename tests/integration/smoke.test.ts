// `npm run smoke` as a deployer runs it after `sst deploy`, here against the local stack: the real
// script in a child process, with a fresh access code per test, reading only what it prints.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { generateAccessCode, issueAccessCode } from "#core/access-codes";
import { estimateCostUsd } from "#core/providers/declarations";
import type { PublicProvider } from "#core/catalog";
import { api, useStackEnvironment } from "../support/api";
import { uniqueId } from "../support/jobs";

beforeAll(useStackEnvironment);

const REPO = resolve(import.meta.dirname, "../..");

/**
 * How long --generate may wait for its video and frames: the emulator renders in seconds, but
 * the polling schedule follows the chosen model's typical time, and the machine is shared.
 */
const GENERATE_MINUTES = 4;

const EVERY_ROW = [
  "health",
  "bearer token",
  "sign-in cookie",
  "video",
  "frames",
  "media URL",
  "share page",
  "HSTS",
  "CSP",
];

interface Row {
  result: "PASS" | "FAIL" | "SKIP";
  detail: string;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  rows: Map<string, Row>;
}

/** The table's rows, by check: `CHECK  RESULT  DETAIL` columns. */
function parseRows(stdout: string): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const match of stdout.matchAll(/^(\S.*?)\s{2,}(PASS|FAIL|SKIP)\s+(.*)$/gm)) {
    rows.set(match[1]!, { result: match[2] as Row["result"], detail: match[3]! });
  }
  return rows;
}

/**
 * `npm run smoke -- <url> …` as npm runs it (node --import tsx scripts/smoke.ts), with no terminal
 * (stdin empty, so nothing can be confirmed interactively) and no stray TAKES_KEY.
 */
function smoke(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/smoke.ts", ...args], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr, rows: parseRows(stdout) }));
  });
}

/** A code of its own for each test: a fresh, empty library. */
async function freshCode(): Promise<string> {
  const code = generateAccessCode();
  await issueAccessCode(code, { label: uniqueId("smoke-"), quotaSeconds: 60 });
  return code;
}

/**
 * The local stack behind HTTPS on a port of the system's choosing, with a certificate made for
 * 127.0.0.1 that the smoke script is told to trust (NODE_EXTRA_CA_CERTS): requests pass through
 * unchanged, as through a TLS-terminating edge. openssl is there wherever the tests run: Debian's
 * ca-certificates, which Java for DynamoDB Local pulls in, depends on it.
 */
async function httpsInFrontOfStack() {
  const folder = await mkdtemp(join(tmpdir(), "takes-smoke-tls-"));
  const [key, certificate] = [join(folder, "key.pem"), join(folder, "cert.pem")];
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"],
      ...["-keyout", key, "-out", certificate],
      ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  const stack = new URL(inject("stack").url);
  const server = createServer(
    { key: await readFile(key), cert: await readFile(certificate) },
    (incoming, outgoing) => {
      const forwarded = request(
        { host: stack.hostname, port: stack.port, path: incoming.url, method: incoming.method },
        (answer) => {
          outgoing.writeHead(answer.statusCode!, answer.rawHeaders);
          void pipeline(answer, outgoing).catch(() => outgoing.destroy());
        },
      );
      for (let index = 0; index < incoming.rawHeaders.length; index += 2) {
        forwarded.setHeader(incoming.rawHeaders[index]!, incoming.rawHeaders[index + 1]!);
      }
      void pipeline(incoming, forwarded).catch(() => outgoing.destroy());
    },
  ).listen(0, "127.0.0.1");
  await once(server, "listening");
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    certificate,
    async close() {
      server.closeAllConnections();
      server.close();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

const results = (run: Run) =>
  Object.fromEntries([...run.rows].map(([check, row]) => [check, row.result]));

/** Neither the access code nor a session cookie's value is ever printed. */
function expectNoSecrets(run: Run, code: string) {
  const printed = run.stdout + run.stderr;
  expect(printed).not.toContain(code);
  expect(printed).not.toMatch(/takes_session=[^;\s]/);
}

describe("npm run smoke against the local stack", () => {
  it(
    "passes every row with --generate: a video on the cheapest priced model, its frames, media and a share page",
    async () => {
      const url = inject("stack").url;
      const code = await freshCode();
      const generating = ["--generate", "--yes", "--timeout", String(GENERATE_MINUTES)];
      const run = await smoke([url, "--code", code, "--local", ...generating]);

      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(results(run)).toEqual(Object.fromEntries(EVERY_ROW.map((check) => [check, "PASS"])));
      expect(run.stdout).toMatch(/^9 passed, 0 failed, 0 skipped$/m);
      // The rows judged by plain-http rules say so.
      expect(run.rows.get("sign-in cookie")!.detail).toMatch(/^\[--local\] .*HttpOnly/);
      expect(run.rows.get("HSTS")!.detail).toMatch(/^\[--local\] plain http: no HSTS/);
      expect(run.rows.get("share page")!.detail).toMatch(/link revoked \(410\)/);
      expectNoSecrets(run, code);

      // What it said it would spend, before the table, is what Takes estimates for the video made.
      const announced =
        /^--generate: one (\d+) s (\S+) .*video on (\S+) (\S+) .*: \$([\d.]+)/m.exec(run.stdout);
      expect(announced, run.stdout).not.toBeNull();
      const [, seconds, size, provider, model, total] = announced!;
      expect(run.stdout.indexOf(announced![0])).toBeLessThan(run.stdout.indexOf("CHECK"));
      const { body } = await api("/api/videos", { credential: code });
      expect(body.jobs).toHaveLength(1);
      const [job] = body.jobs;
      expect(job).toMatchObject({
        status: "completed",
        provider,
        model,
        seconds: Number(seconds),
        size,
        cost: { estimatedUsd: Number(total) },
      });
      expect(run.rows.get("video")!.detail).toContain(job.id);

      // No priced choice the code can make costs less, by Takes' own estimate.
      const catalog = await api<{ providers: PublicProvider[] }>("/api/providers", {
        credential: code,
      });
      const estimates = catalog.body.providers.flatMap((entry) =>
        entry.models.flatMap((choice) =>
          choice.sizes.flatMap((choiceSize) =>
            [false, true].map((sound) =>
              estimateCostUsd({
                provider: entry.name,
                model: choice.id,
                seconds: Math.min(...choice.seconds),
                size: choiceSize,
                sound,
              }),
            ),
          ),
        ),
      );
      const priced = estimates.filter((estimate) => estimate !== undefined);
      expect(Math.min(...priced)).toBe(Number(total));

      // The share it made for the check is revoked.
      const shares = await api(`/api/videos/${job.id}/shares`, { credential: code });
      expect(shares.body.shares).toHaveLength(1);
      expect(shares.body.shares[0]).toMatchObject({ revoked: true });
    },
    60_000 * (GENERATE_MINUTES + 1),
  );

  it("fails the bearer and sign-in rows, exit 1, for a code Takes never issued", async () => {
    const unknown = generateAccessCode();
    const run = await smoke([inject("stack").url, "--code", unknown, "--local"]);

    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(results(run)).toMatchObject({
      health: "PASS",
      "bearer token": "FAIL",
      "sign-in cookie": "FAIL",
    });
    expect(run.rows.get("bearer token")!.detail).toMatch(/HTTP 401/);
    expect(run.rows.get("sign-in cookie")!.detail).toMatch(/the code was refused/);
    expectNoSecrets(run, unknown);
  });

  it("fails HSTS and the Secure cookie without --local: plain http is no real stage", async () => {
    const code = await freshCode();
    const run = await smoke([inject("stack").url, "--code", code]);

    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(results(run)).toMatchObject({
      health: "PASS",
      "bearer token": "PASS",
      "sign-in cookie": "FAIL",
      HSTS: "FAIL",
      CSP: "PASS",
    });
    expect(run.rows.get("sign-in cookie")!.detail).toMatch(/not Secure, no __Host- prefix/);
    expect(run.rows.get("HSTS")!.detail).toMatch(/plain http/);
    expect(run.stdout).not.toContain("[--local]");
    expectNoSecrets(run, code);
  });

  it("fails HSTS over https where the pages send none, as a stage behind a TLS hop would", async () => {
    const code = await freshCode();
    const tls = await httpsInFrontOfStack();
    try {
      const run = await smoke([tls.url, "--code", code], { NODE_EXTRA_CA_CERTS: tls.certificate });

      expect(run.code, run.stdout + run.stderr).toBe(1);
      // Through the TLS hop the API answers as ever; the site, configured for plain http, sends
      // no HSTS.
      expect(results(run)).toMatchObject({ health: "PASS", "bearer token": "PASS", HSTS: "FAIL" });
      expect(run.rows.get("HSTS")!.detail).toMatch(/^no HSTS of a year or more on sign-in/);
      expectNoSecrets(run, code);
    } finally {
      await tls.close();
    }
  });

  it("says what --generate would cost and, unconfirmed, spends nothing", async () => {
    const code = await freshCode();
    const run = await smoke([inject("stack").url, "--code", code, "--local", "--generate"]);

    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/^--generate: one \d+ s .* list price: \$[\d.]+/m);
    expect(run.rows.get("video")).toEqual({
      result: "FAIL",
      detail: expect.stringMatching(/^not confirmed, nothing spent: pass --yes to spend \$/),
    });
    expect(results(run)).toMatchObject({ frames: "SKIP", "media URL": "SKIP" });
    const { body } = await api("/api/videos", { credential: code });
    expect(body.jobs).toEqual([]);
  });

  it("skips the media rows, and passes, for a library with no video yet", async () => {
    const code = await freshCode();
    const run = await smoke([inject("stack").url, "--code", code, "--local"]);

    expect(run.code, run.stdout + run.stderr).toBe(0);
    for (const check of ["video", "frames", "media URL", "share page"]) {
      expect(run.rows.get(check), check).toEqual({
        result: "SKIP",
        detail: "no video yet (--generate makes one)",
      });
    }
    expect(run.stdout).toMatch(/^5 passed, 0 failed, 4 skipped$/m);
  });

  it("refuses --local for anything but plain http on loopback (exit 2)", async () => {
    const run = await smoke(["https://takes.example.com", "--code", "unused", "--local"]);

    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--local is for the local stack/);
    expect(run.rows.size).toBe(0);
  });
});
