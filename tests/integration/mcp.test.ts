// `takes mcp` driven the way an MCP client drives it: the SDK's own Client starts the real command
// over stdio, lists its tools and makes a video through them, against the local stack's HTTP API.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult, Progress } from "@modelcontextprotocol/sdk/types.js";
import { ulid } from "ulid";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MAX_PROMPT_LENGTH, MIN_SHARE_SECONDS } from "#core/requests";
import { probe } from "#local/ffprobe";
import { newKey } from "../support/api";

const BIN = resolve(import.meta.dirname, "../../cli/bin.js");

let workDir: string;
let client: Client;
/** Anything on the server's stdout that is not the protocol ends up here. */
const protocolErrors: Error[] = [];

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), "takes-mcp-"));
  client = new Client({ name: "takes-integration-test", version: "1.0.0" });
  client.onerror = (error) => protocolErrors.push(error);
  await client.connect(
    new StdioClientTransport({
      command: process.execPath,
      args: [BIN, "mcp"],
      env: { TAKES_URL: inject("stack").url, TAKES_KEY: newKey(), XDG_CONFIG_HOME: workDir },
      stderr: "pipe",
    }),
  );
});
afterAll(async () => {
  await client?.close();
  await rm(workDir, { recursive: true, force: true });
});

async function call(
  name: string,
  args: Record<string, unknown>,
  onprogress?: (p: Progress) => void,
) {
  return (await client.callTool({ name, arguments: args }, undefined, {
    onprogress,
    resetTimeoutOnProgress: true,
  })) as CallToolResult;
}

const text = (result: CallToolResult) =>
  result.content.map((part) => (part.type === "text" ? part.text : "")).join("\n");

describe("takes mcp", () => {
  it("lists its tools, their inputs derived from the API's request schemas", async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    for (const name of [
      "list_providers",
      "create_video",
      "get_video",
      "wait_for_video",
      "list_videos",
      "remix_video",
      "continue_video",
      "improve_prompt",
      "share_video",
      "download_video",
    ]) {
      expect(byName, name).toHaveProperty(name);
    }
    const create = byName.create_video!.inputSchema;
    expect(create.required).toEqual(["prompt"]);
    expect(create.properties?.prompt).toMatchObject({ maxLength: MAX_PROMPT_LENGTH });
    expect(byName.share_video!.inputSchema.properties?.expiresIn).toMatchObject({
      minimum: MIN_SHARE_SECONDS,
    });
  });

  it("creates a video at once, waits for it with progress, and downloads a playable MP4", async () => {
    const created = await call("create_video", {
      prompt: "A fox trots across fresh snow",
      seconds: 4,
      size: "1280x720",
    });
    expect(created.isError, text(created)).toBeFalsy();
    const job = created.structuredContent as { id: string; status: string };
    expect(["queued", "in_progress"]).toContain(job.status);

    // A bounded wait that runs out returns the job as it is, saying so.
    const brief = await call("wait_for_video", { id: job.id, timeoutSeconds: 1 });
    expect(brief.isError).toBeFalsy();
    expect(brief.structuredContent).toMatchObject({ id: job.id });
    expect(text(brief)).toMatch(/Still (queued|in_progress|copying) after 1 s/);

    const progress: Progress[] = [];
    const waited = await call("wait_for_video", { id: job.id, timeoutSeconds: 90 }, (update) =>
      progress.push(update),
    );
    expect(waited.isError, text(waited)).toBeFalsy();
    expect(waited.structuredContent).toMatchObject({ id: job.id, status: "completed" });
    // Notified while it ran (the result reports the end), always increasing.
    expect(progress.length).toBeGreaterThan(0);
    for (const update of progress) {
      expect(update).toMatchObject({
        total: 100,
        message: expect.stringMatching(/^(queued|in_progress|copying)$/),
      });
    }
    const values = progress.map((update) => update.progress);
    expect(new Set(values).size).toBe(values.length);
    expect(values).toEqual([...values].sort((a, b) => a - b));

    const path = join(workDir, "fox.mp4");
    const saved = await call("download_video", { id: job.id, path });
    expect(saved.structuredContent).toMatchObject({ path, bytes: expect.any(Number) });
    expect(await probe(path)).toMatchObject({ width: 1280, height: 720, codec: "h264" });
  });

  it("gives the API's errors back as tool errors", async () => {
    const missing = await call("get_video", { id: ulid() });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain("There is no video with that id.");

    const badSize = await call("create_video", {
      prompt: "x",
      model: "sora-2",
      seconds: 4,
      size: "999x999",
    });
    expect(badSize.isError).toBe(true);
    expect(text(badSize)).toMatch(/size: .*1280x720/);
  });

  it("writes nothing but the protocol to stdout", () => {
    expect(protocolErrors).toEqual([]);
  });
});
