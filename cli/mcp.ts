/**
 * `takes mcp`: Takes' tools for an MCP client (an agent, an IDE) over stdio, on the official SDK.
 * Tool inputs are the API's own request schemas (core/requests.ts), so a client learns the same
 * fields and limits the API checks; every call goes through the HTTP API, and an API error comes
 * back as a tool error carrying the API's message. stdout carries the protocol and nothing else.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import * as z from "zod/mini";
import {
  FrameRequest,
  ImproveRequest,
  ListRequest,
  MAX_SHARE_SECONDS,
  MIN_SHARE_SECONDS,
  RemixRequest,
  VideoRef,
  VideoRequest,
} from "../core/requests";
import type { Job, TakesClient } from "./client";
import { CliError } from "./errors";
import { continueVideo, createVideo, jobFailure, saveMedia, waitForJob } from "./videos";

const DEFAULT_WAIT_SECONDS = 50;
const MAX_WAIT_SECONDS = 600;
const WEEK_SECONDS = 7 * 24 * 60 * 60;

const settings = z.partial(z.pick(VideoRequest, { model: true, seconds: true, size: true }));

/** `schema` with the description a client reads. */
const described = <S extends z.ZodMiniType>(schema: S, description: string) =>
  schema.check(z.describe(description));

const CreateInput = z.extend(VideoRequest, {
  prompt: described(
    VideoRequest.shape.prompt,
    "What the video shows: subject, action, camera, mood.",
  ),
  model: described(
    settings.shape.model,
    "A model id from list_providers; by default the first model of the first provider you can use.",
  ),
  seconds: described(settings.shape.seconds, "The length; by default the model's shortest."),
  size: described(
    settings.shape.size,
    "WIDTHxHEIGHT, one of the model's sizes; by default its first.",
  ),
  imagePath: described(
    z.optional(z.string().check(z.minLength(1))),
    "A local PNG, JPEG or WebP file the clip starts from (instead of referenceKey).",
  ),
});

/** Whole seconds, `min` to `max`, `fallback` when left out. */
const wholeSeconds = (min: number, max: number, fallback: number, description: string) =>
  described(z._default(z.int().check(z.minimum(min), z.maximum(max)), fallback), description);

const WaitInput = z.extend(VideoRef, {
  timeoutSeconds: wholeSeconds(
    1,
    MAX_WAIT_SECONDS,
    DEFAULT_WAIT_SECONDS,
    "How long to wait at most; the video keeps going after that.",
  ),
});

const ContinueInput = z.extend(RemixRequest, settings.shape);

const ShareInput = z.extend(VideoRef, {
  expiresIn: wholeSeconds(
    MIN_SHARE_SECONDS,
    MAX_SHARE_SECONDS,
    WEEK_SECONDS,
    "Seconds until the link stops working: an hour to 30 days.",
  ),
});

const DownloadInput = z.extend(VideoRef, {
  path: described(
    z.optional(z.string().check(z.minLength(1))),
    "Where to save it; by default <id>.mp4 (or <id>-<frame>.png) in the working folder.",
  ),
  frame: described(z.optional(FrameRequest.shape.frame), "Save this frame instead of the video."),
});

const asResult = (result: object, note?: string): CallToolResult => ({
  content: [
    { type: "text", text: JSON.stringify(result, null, 2) },
    ...(note ? [{ type: "text" as const, text: note }] : []),
  ],
  structuredContent: result as Record<string, unknown>,
});

const asError = (message: string): CallToolResult => ({
  content: [{ type: "text", text: message }],
  isError: true,
});

/** A tool's answer; an API or CLI error becomes a tool error with its message. */
async function answer(work: () => Promise<CallToolResult>): Promise<CallToolResult> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof CliError) return asError(`${error.message} (${error.code})`);
    throw error;
  }
}

/** A tool that answers with the API's result (or the CLI's, for a download). */
const tool = (work: () => Promise<object>) => answer(async () => asResult(await work()));

function takesMcpServer(client: TakesClient, version: string): McpServer {
  const server = new McpServer({ name: "takes", version });
  const readOnly = { readOnlyHint: true, openWorldHint: true };

  server.registerTool(
    "list_providers",
    {
      description:
        "The video providers and models your credential can use: each model's lengths (seconds), " +
        "sizes, image inputs, sound and list price per second.",
      annotations: readOnly,
    },
    () => tool(() => client.providers()),
  );

  server.registerTool(
    "create_video",
    {
      description:
        "Start generating a video from a prompt. Returns the job at once (status queued); " +
        "wait_for_video follows it to the end. It costs the model's price per second.",
      inputSchema: CreateInput,
      annotations: { openWorldHint: true },
    },
    ({ imagePath, ...request }) =>
      tool(() => createVideo(client, { ...request, image: imagePath })),
  );

  server.registerTool(
    "get_video",
    {
      description:
        "One video job: status, progress, settings, cost, error, media URLs (5 minutes).",
      inputSchema: VideoRef,
      annotations: readOnly,
    },
    ({ id }) => tool(() => client.getVideo(id)),
  );

  server.registerTool(
    "wait_for_video",
    {
      description:
        "Wait until a video job completes, fails or expires, for up to timeoutSeconds; reports " +
        "progress notifications when asked to. A job still running at the end is returned as it is.",
      inputSchema: WaitInput,
      annotations: readOnly,
    },
    ({ id, timeoutSeconds }, extra) =>
      answer(async () => {
        const token = extra._meta?.progressToken;
        let reported = -1;
        // Only readings that are waited on are notified, never the one the result carries: sent
        // just before the result, the SDK's client would handle it after (notifications a tick
        // later than responses) and report an unknown token. Progress must only increase.
        const onProgress = async (job: Job) => {
          if (token === undefined || job.progress <= reported) return;
          reported = job.progress;
          await extra.sendNotification({
            method: "notifications/progress",
            params: {
              progressToken: token,
              progress: job.progress,
              total: 100,
              message: job.status,
            },
          });
        };
        const job = await waitForJob(client, id, {
          onProgress,
          timeoutMs: timeoutSeconds * 1000,
          signal: extra.signal,
        });
        const failure = jobFailure(job);
        if (failure) return { ...asResult(job, failure.message), isError: true };
        if (job.status === "completed") return asResult(job);
        return asResult(
          job,
          `Still ${job.status} after ${timeoutSeconds} s: wait again to follow it.`,
        );
      }),
  );

  server.registerTool(
    "list_videos",
    {
      description:
        "Your video jobs, newest first, a page at a time (pass nextCursor as cursor). Cards carry " +
        "thumbnail URLs only: get_video gives a job's video and frame URLs.",
      inputSchema: ListRequest,
      annotations: readOnly,
    },
    (query) => tool(() => client.listVideos(query)),
  );

  server.registerTool(
    "remix_video",
    {
      description:
        "Start a new video from a completed one with a new prompt, on the same settings.",
      inputSchema: RemixRequest,
      annotations: { openWorldHint: true },
    },
    ({ id, prompt }) => tool(() => client.remixVideo(id, prompt)),
  );

  server.registerTool(
    "continue_video",
    {
      description:
        "Start a new video from a completed one's last frame, with a prompt for what happens " +
        "next; its provider, model, length and size unless given.",
      inputSchema: ContinueInput,
      annotations: { openWorldHint: true },
    },
    ({ id, ...options }) => tool(() => continueVideo(client, id, options)),
  );

  server.registerTool(
    "improve_prompt",
    {
      description:
        "Rewrite a rough idea into a production-ready video prompt with a text model; returns " +
        "{prompt, notes}.",
      inputSchema: ImproveRequest,
      annotations: readOnly,
    },
    (request) => tool(() => client.improvePrompt(request)),
  );

  server.registerTool(
    "share_video",
    {
      description: "A link anyone can watch a completed video at, until it expires.",
      inputSchema: ShareInput,
      annotations: { openWorldHint: true },
    },
    ({ id, expiresIn }) => tool(() => client.shareVideo(id, expiresIn)),
  );

  server.registerTool(
    "download_video",
    {
      description:
        "Save a completed video (or its first or last frame) to a local file; returns its path.",
      inputSchema: DownloadInput,
      annotations: { openWorldHint: true },
    },
    ({ id, path, frame }) => tool(() => saveMedia(client, id, { file: path, frame })),
  );

  server.registerTool(
    "delete_video",
    {
      description:
        "Delete a video job and its stored media; the provider's copy is deleted just after. Cannot be undone.",
      inputSchema: VideoRef,
      annotations: { destructiveHint: true, openWorldHint: true },
    },
    ({ id }) =>
      tool(async () => {
        await client.deleteVideo(id);
        return { id, deleted: true };
      }),
  );

  return server;
}

/** Serves until the client closes stdin. */
export async function serveMcp(client: TakesClient, version: string) {
  await takesMcpServer(client, version).connect(new StdioServerTransport());
}
