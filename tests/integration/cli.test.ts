// The `takes` CLI as a person or a script runs it: the real command in a child process, against the
// local stack's HTTP API, with a throw-away config folder, reading only what it prints and writes.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { ulid } from "ulid";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { issueAccessCode } from "#core/access-codes";
import { probe } from "#local/ffprobe";
import { newKey, useStackEnvironment } from "../support/api";

beforeAll(useStackEnvironment);

const BIN = resolve(import.meta.dirname, "../../cli/bin.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let workDir: string;
beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "takes-cli-"));
});
afterAll(() => rm(workDir, { recursive: true, force: true }));

/**
 * Runs `takes …` as a script would: stdout and stderr are pipes (no terminal), stdin holds `input`,
 * and only the environment given reaches it (no stray TAKES_KEY, a config folder of the test's).
 */
function takes(args: string[], options: { key?: string; input?: string; configDir?: string } = {}) {
  const configDir = options.configDir ?? join(workDir, "no-config");
  const child = spawn(process.execPath, [BIN, ...args], {
    env: {
      PATH: process.env.PATH,
      HOME: configDir,
      XDG_CONFIG_HOME: configDir,
      TAKES_URL: inject("stack").url,
      ...(options.key && { TAKES_KEY: options.key }),
    },
  });
  child.stdin.end(options.input ?? "");
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<Run>((done, fail) => {
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
  });
}

/** Runs a command that must succeed with --json, and parses what it printed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- replies are checked field by field
async function takesJson(args: string[], key: string): Promise<any> {
  const run = await takes([...args, "--json"], { key });
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

const emulatorFaults = async (provider: string, faults?: object) => {
  const response = await fetch(`${inject("stack").providerUrl}/_emulator/${provider}/faults`, {
    method: faults ? "POST" : "DELETE",
    headers: { "content-type": "application/json" },
    body: faults ? JSON.stringify(faults) : undefined,
  });
  expect(response.ok).toBe(true);
};

const owner = newKey();
/** `takes create … --out` of the owner's first video, which the other tests build on. */
let made: Run;
let madeFile: string;
let finishedId: string;
beforeAll(async () => {
  madeFile = join(workDir, "boat.mp4");
  made = await takes(
    ["create", "A paper boat drifts down a rain gutter", "--size", "720x1280", "--out", madeFile],
    { key: owner },
  );
  finishedId = /^id\s+(\S+)$/m.exec(made.stdout)?.[1] ?? "";
});

describe("takes create --out", () => {
  it("waits, then saves a playable MP4 of the requested size; progress goes to stderr", async () => {
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^status\s+completed$/m);
    expect(made.stdout).toContain(`saved     ${madeFile}`);
    // Not a terminal: a plain line for each change, ending with the completion.
    expect(made.stderr.trim().split("\n").at(-1)).toBe(`${finishedId} completed 100%`);
    const video = await probe(madeFile);
    expect(video).toMatchObject({ width: 720, height: 1280, codec: "h264" });
    expect(video.durationSeconds).toBeCloseTo(4, 0);
    // Streamed into a partial file, renamed when whole.
    expect(await readdir(workDir)).not.toContain("boat.mp4.part");
  });
});

describe("--json", () => {
  it("prints parseable JSON for providers, get, list, download, share and improve", async () => {
    const { providers } = await takesJson(["providers"], owner);
    expect(providers.map((provider: { name: string }) => provider.name)).toEqual(["openai"]);
    expect(providers[0].models[0]).toMatchObject({ id: "sora-2", seconds: [4, 8, 12] });

    expect(await takesJson(["get", finishedId], owner)).toMatchObject({
      id: finishedId,
      status: "completed",
      size: "720x1280",
      media: { video: { contentType: "video/mp4" } },
    });

    const { jobs } = await takesJson(["list", "--status", "completed"], owner);
    expect(jobs.map((job: { id: string }) => job.id)).toContain(finishedId);

    const frame = join(workDir, "last.png");
    const saved = await takesJson(
      ["download", finishedId, "--frame", "last", "--out", frame],
      owner,
    );
    expect(saved).toEqual({ path: frame, bytes: (await stat(frame)).size });
    expect(await probe(frame)).toMatchObject({ width: 720, height: 1280, codec: "png" });

    const before = Date.now();
    const { share } = await takesJson(["share", finishedId, "--expires", "2h"], owner);
    expect(share.url).toMatch(new RegExp(`^${inject("stack").url}/s/[A-Za-z0-9_-]{22}$`));
    expect(Date.parse(share.expiresAt) - before).toBeGreaterThan(2 * 3600_000 - 60_000);
    expect(Date.parse(share.expiresAt) - before).toBeLessThan(2 * 3600_000 + 60_000);

    const improved = await takesJson(["improve", "a kite on a beach", "--seconds", "8"], owner);
    expect(improved.prompt.length).toBeGreaterThan("a kite on a beach".length);
    expect(improved.notes).toEqual(expect.any(Array));
  });
});

describe("create --image, remix, continue and delete", () => {
  it("uploads a local image as the first frame", async () => {
    const frame = join(workDir, "first.png");
    await takesJson(["download", finishedId, "--frame", "first", "--out", frame], owner);
    const job = await takesJson(["create", "It starts to rain", "--image", frame], owner);
    expect(job).toMatchObject({ prompt: "It starts to rain", model: "sora-2" });

    const missing = await takes(["create", "x", "--image", join(workDir, "none.png")], {
      key: owner,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("ENOENT");
  });

  it("start new jobs from a finished one, and delete one", async () => {
    const remix = await takesJson(["remix", finishedId, "The boat at dusk"], owner);
    expect(remix).toMatchObject({ parentId: finishedId, prompt: "The boat at dusk" });

    const next = await takesJson(["continue", finishedId, "The boat reaches the sea"], owner);
    expect(next).toMatchObject({
      prompt: "The boat reaches the sea",
      model: "sora-2",
      seconds: 4,
      size: "720x1280",
    });
    expect(next.id).not.toBe(finishedId);

    expect(await takesJson(["delete", next.id], owner)).toEqual({ id: next.id, deleted: true });
    const gone = await takes(["get", next.id], { key: owner });
    expect(gone.code).toBe(2);
    expect(gone.stderr).toBe("takes: There is no video with that id.\n");
  });
});

describe("exit codes", () => {
  it("2 for bad input, from the command line or the API", async () => {
    const missing = await takes(["create"], { key: owner });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'prompt'");
    expect((await takes(["create", "x", "--seconds", "four"], { key: owner })).code).toBe(2);

    const badSize = await takes(
      ["create", "x", "--model", "sora-2", "--seconds", "4", "--size", "999x999"],
      { key: owner },
    );
    expect(badSize.code).toBe(2);
    // The API's own message, naming what the model accepts.
    expect(badSize.stderr).toMatch(/^takes: size: .*1280x720, 720x1280/);

    const unknown = await takes(["get", ulid(), "--json"], { key: owner });
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr)).toEqual({
      error: { code: "not_found", message: "There is no video with that id.", status: 404 },
    });
  });

  it("1 when Takes cannot be reached", async () => {
    // A port the system just handed out and nothing listens on any more.
    const server = createServer().listen(0, "127.0.0.1");
    await once(server, "listening");
    const { port } = server.address() as AddressInfo;
    server.close();
    const url = `http://127.0.0.1:${port}`;
    const run = await takes(["--url", url, "list"], { key: owner });
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`takes: Cannot reach ${url}: ECONNREFUSED.\n`);
  });

  it("3 for a missing or refused credential", async () => {
    const none = await takes(["list"]);
    expect(none.code).toBe(3);
    expect(none.stderr).toContain("takes login");
    const refused = await takes(["list"], { key: "not-a-credential" });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe("takes: A valid credential is required.\n");
  });

  it("4 for an exhausted quota", async () => {
    const code = `take-test-${randomBytes(6).toString("hex")}`;
    await issueAccessCode(code, { label: `cli ${code.slice(-6)}`, quotaSeconds: 4 });
    const run = await takes(
      ["create", "x", "--model", "sora-2", "--seconds", "8", "--size", "1280x720"],
      { key: code },
    );
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/4 s left/);
  });

  it("5 for a provider that fails, or a video that ends failed", async () => {
    // Runway's emulator, which no other job of these tests polls: its one 5xx meets the create.
    await emulatorFaults("runway", { serverErrors: { count: 1 } });
    try {
      const unavailable = await takes(
        ["create", "x", "--model", "gen4.5", "--seconds", "4", "--size", "1280x720"],
        { key: `key_${randomBytes(16).toString("hex")}` },
      );
      expect(unavailable.code).toBe(5);
      expect(unavailable.stderr).toMatch(/^takes: .*unavailable/);
    } finally {
      await emulatorFaults("runway");
    }

    await emulatorFaults("openai", { failNextJobs: { count: 1 } });
    try {
      const failed = await takes(["create", "x", "--wait"], { key: owner });
      expect(failed.code).toBe(5);
      expect(failed.stdout).toMatch(/^status\s+failed$/m);
      expect(failed.stderr).toContain("injected by the provider emulator");
    } finally {
      await emulatorFaults("openai");
    }
  });

  it("are listed in --help", async () => {
    const help = await takes(["--help"]);
    expect(help.code).toBe(0);
    for (const line of ["2  bad input", "3  authentication", "4  quota", "5  provider failure"]) {
      expect(help.stdout).toContain(line);
    }
  });
});

describe("takes login", () => {
  it("checks the key, stores it 0600 without printing it, and logout forgets it", async () => {
    const configDir = await mkdtemp(join(workDir, "config-"));
    const file = join(configDir, "takes", "config.json");
    const key = newKey();

    const refused = await takes(["login"], { configDir, input: "not-a-credential\n" });
    expect(refused.code).toBe(3);
    await expect(stat(file)).rejects.toMatchObject({ code: "ENOENT" });

    const login = await takes(["login"], { configDir, input: `${key}\n` });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain("Signed in");
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(configDir, "takes"))).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      credentials: { [inject("stack").url]: key },
    });

    // The stored key is used, and never shown.
    const list = await takes(["list"], { configDir });
    expect(list.code, list.stderr).toBe(0);
    for (const run of [login, list]) expect(run.stdout + run.stderr).not.toContain(key);

    expect((await takes(["logout"], { configDir })).code).toBe(0);
    await expect(stat(file)).rejects.toMatchObject({ code: "ENOENT" });
    expect((await takes(["list"], { configDir })).code).toBe(3);
  });
});
