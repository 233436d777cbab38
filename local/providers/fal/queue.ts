/**
 * fal's queue: requests, their status, their result, cancellation, retention and webhooks.
 *
 * A request's state follows the clock, as the OpenAI emulator's does: IN_QUEUE for the first
 * tenth of its generation time, then IN_PROGRESS (with logs, and no progress figure: fal reports
 * none), then COMPLETED once the render is done. Every request ends COMPLETED, failed ones too;
 * what happened is in its result: the output, or the error with its status (a 422 for input the
 * model refused, `{detail, error_type}` for a request error). A result can be read for a limited
 * time after completion (fal: 1 hour, 6 minutes when it is 10 KB or more); the output files live
 * as long as the request's object lifecycle preference says (for ever without one).
 */
import { randomUUID } from "node:crypto";
import { mkdir, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { join } from "node:path";
import type { FaultInjector, JobFailure } from "../shared/faults";
import {
  detailError,
  isRequestErrorType,
  modelError,
  requestError,
  requestNotFound,
  validationFailure,
  type Reply,
} from "./errors";
import type { Generation, Planned, Produced } from "./generation";
import type { FileStore } from "./storage";
import type { WebhookSigner } from "./webhooks";

/** The share of the generation time a request waits IN_QUEUE. */
const QUEUED_SHARE = 0.1;
const MAX_ERROR_MESSAGE_CHARS = 500;
/** How often a status stream looks for a change to send. */
const STREAM_TICK_MS = 200;
export const QUEUE_HOST = "https://queue.fal.run";

/** fal's rule: 1 hour, or 6 minutes for a result of 10 KB or more. */
export const falResultRetentionSeconds = (resultBytes: number) =>
  resultBytes >= 10 * 1024 ? 360 : 3600;

export type QueueStatusName = "IN_QUEUE" | "IN_PROGRESS" | "COMPLETED";

interface RequestLog {
  message: string;
  level: "INFO" | "ERROR";
  source: "USER";
  timestamp: string;
}

interface Outcome {
  completedMs: number;
  reply: Reply;
  /** The CDN files the result points at. */
  files: string[];
}

interface QueuedRequest {
  id: string;
  sequence: number;
  owner: string;
  userId: string;
  /** "owner/app": all the status, result and cancel URLs use of the endpoint id. */
  app: string;
  /** When it leaves the queue. */
  startsMs: number;
  dir: string;
  /** Null when the input was refused. */
  generation: Generation | null;
  render: AbortController;
  timer?: NodeJS.Timeout;
  /** For the output files; null keeps them for ever. */
  lifetimeSeconds: number | null;
  webhookUrl?: string;
  outcome: Outcome | null;
  resultExpiresMs: number | null;
  /** Set by expire() before completion: the result lapses the moment it exists. */
  expireOnCompletion: boolean;
  finished: Promise<void>;
  markFinished: () => void;
}

export interface QueueOptions {
  dataDir: string;
  generationMs: (seconds: number) => number;
  faults: FaultInjector;
  files: FileStore;
  signer: WebhookSigner;
  resultRetentionSeconds: (resultBytes: number) => number;
}

export interface SubmitOptions {
  lifetimeSeconds: number | null;
  webhookUrl?: string;
}

/** What fal's apps answer for an injected failure: a request error or a model error. */
function failureReply(failure: JobFailure, prompt: string): Reply {
  if (isRequestErrorType(failure.code)) return requestError(failure.code, failure.message);
  return validationFailure([modelError(failure.code, failure.message, ["body", "prompt"], prompt)]);
}

/** Cancel answers with a bare `{status}`, as fal's cancel endpoint does. */
const cancelAnswer = (status: number, value: string): Reply => ({
  status,
  body: { status: value },
  headers: {},
});

/** fal's user id for a key, as webhooks carry it; never the key itself. */
const userIdOf = (owner: string) => `emulator-user-${owner.slice(0, 12)}`;

export class RequestQueue {
  private readonly requests = new Map<string, QueuedRequest>();
  private readonly streams = new Set<() => void>();
  private sequence = 0;

  constructor(private readonly options: QueueOptions) {}

  /** Queues a request for endpoint `endpointId`, its input already checked by the model. */
  async submit(owner: string, endpointId: string, planned: Planned, submitOptions: SubmitOptions) {
    const id = randomUUID();
    const dir = join(this.options.dataDir, id);
    await mkdir(dir, { recursive: true });
    const generation = "errors" in planned ? null : planned;
    const generationMs = this.options.generationMs(generation?.seconds ?? 0);
    const createdMs = Date.now();
    const startsMs = createdMs + QUEUED_SHARE * generationMs;
    const [owner_, app_] = endpointId.split("/");
    const finished = Promise.withResolvers<void>();
    const request: QueuedRequest = {
      id,
      sequence: this.sequence++,
      owner,
      userId: userIdOf(owner),
      app: `${owner_}/${app_}`,
      startsMs,
      dir,
      generation,
      render: new AbortController(),
      lifetimeSeconds: submitOptions.lifetimeSeconds,
      webhookUrl: submitOptions.webhookUrl,
      outcome: null,
      resultExpiresMs: null,
      expireOnCompletion: false,
      finished: finished.promise,
      markFinished: finished.resolve,
    };
    this.requests.set(id, request);

    if ("errors" in planned) {
      // The model refuses the input as soon as it starts.
      this.finishAt(
        request,
        startsMs - createdMs,
        Promise.resolve(validationFailure(planned.errors)),
      );
    } else {
      const injected = this.options.faults.takeJobFailure();
      const outcome = injected
        ? Promise.resolve(failureReply(injected, planned.prompt))
        : this.produce(request, planned);
      this.finishAt(request, generationMs, outcome);
    }
    return { ...this.urls(request), queue_position: this.queuePosition(request) };
  }

  /** A request of `owner` under `app`; any other key or app sees it as missing, as on fal. */
  find(owner: string, app: string, id: string): QueuedRequest {
    const request = this.requests.get(id);
    if (!request || request.owner !== owner || request.app !== app) throw requestNotFound();
    return request;
  }

  status(request: QueuedRequest, withLogs: boolean) {
    const now = Date.now();
    const status = this.stateOf(request, now);
    const base = { status, ...this.urls(request) };
    const logs = withLogs ? this.logsOf(request, now) : null;
    if (status === "IN_QUEUE") return { ...base, queue_position: this.queuePosition(request) };
    if (status === "IN_PROGRESS") return { ...base, logs };
    const inferenceSeconds = ((request.outcome?.completedMs ?? now) - request.startsMs) / 1000;
    return { ...base, logs, metrics: { inference_time: Math.max(0, inferenceSeconds) } };
  }

  /** The result as fal keeps it: the output or the error, while retention lasts. */
  result(request: QueuedRequest): Reply {
    const { outcome } = request;
    if (!outcome) throw detailError(400, "Request is still in progress");
    if (request.resultExpiresMs !== null && request.resultExpiresMs <= Date.now()) {
      throw detailError(404, "Request result has expired");
    }
    return outcome.reply;
  }

  /** Stops a queued or running request; a finished one cannot be cancelled. */
  cancel(request: QueuedRequest): Reply {
    if (request.outcome) return cancelAnswer(400, "ALREADY_COMPLETED");
    request.render.abort(new Error(`request ${request.id} was cancelled`));
    // Synchronous for a failure: the outcome is recorded before this returns.
    void this.finish(
      request,
      requestError("client_cancelled", "The request was cancelled by the client."),
    );
    return cancelAnswer(202, "CANCELLATION_REQUESTED");
  }

  /** Resolves once the request has an outcome (for fal.run, which answers with the result). */
  whenFinished(request: QueuedRequest) {
    return request.finished;
  }

  /** Server-sent status events until COMPLETED, each time the status changes. */
  async streamStatus(res: ServerResponse, request: QueuedRequest, withLogs: boolean) {
    res.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-fal-request-id": request.id,
    });
    await new Promise<void>((resolve) => {
      let last = "";
      let stopped = false;
      const stop = () => {
        if (stopped) return;
        stopped = true;
        clearInterval(timer);
        this.streams.delete(stop);
        res.end();
        resolve();
      };
      const tick = () => {
        const status = this.status(request, withLogs);
        const event = JSON.stringify(status);
        if (event !== last) res.write(`data: ${event}\n\n`);
        last = event;
        if (status.status === "COMPLETED") stop();
      };
      const timer = setInterval(tick, STREAM_TICK_MS);
      this.streams.add(stop);
      res.on("close", stop);
      tick();
    });
  }

  /** Makes a request's result and files lapse now (a test control); upload ids work too. */
  expire(id: string) {
    const request = this.requests.get(id);
    if (!request) {
      if (!this.options.files.has(id)) throw requestNotFound();
      this.options.files.expire([id]);
      return { file_id: id, expired: true };
    }
    request.expireOnCompletion = true;
    if (request.outcome) {
      request.resultExpiresMs = Date.now() - 1;
      this.options.files.expire(request.outcome.files);
    }
    return { request_id: id, expired: true };
  }

  close() {
    for (const request of this.requests.values()) {
      clearTimeout(request.timer);
      request.render.abort(new Error("provider emulator shutting down"));
    }
    for (const stop of [...this.streams]) stop();
  }

  private urls(request: QueuedRequest) {
    const responseUrl = `${QUEUE_HOST}/${request.app}/requests/${request.id}`;
    return {
      request_id: request.id,
      gateway_request_id: request.id,
      response_url: responseUrl,
      status_url: `${responseUrl}/status`,
      cancel_url: `${responseUrl}/cancel`,
    };
  }

  private stateOf(request: QueuedRequest, now: number): QueueStatusName {
    if (request.outcome) return "COMPLETED";
    return now < request.startsMs ? "IN_QUEUE" : "IN_PROGRESS";
  }

  /** How many requests to the same app are ahead of this one (0 when it is next). */
  private queuePosition(request: QueuedRequest): number {
    const now = Date.now();
    let ahead = 0;
    for (const other of this.requests.values()) {
      if (
        other.app === request.app &&
        other.sequence < request.sequence &&
        this.stateOf(other, now) === "IN_QUEUE"
      ) {
        ahead++;
      }
    }
    return ahead;
  }

  private logsOf(request: QueuedRequest, now: number): RequestLog[] {
    const log = (ms: number, message: string, level: RequestLog["level"] = "INFO") => ({
      message,
      level,
      source: "USER" as const,
      timestamp: new Date(ms).toISOString(),
    });
    const logs: RequestLog[] = [];
    const { generation, outcome } = request;
    if (now >= request.startsMs && generation) {
      logs.push(log(request.startsMs, generation.logs.started));
    }
    if (outcome) {
      const ok = outcome.reply.status === 200;
      logs.push(
        log(
          outcome.completedMs,
          ok ? (generation?.logs.completed ?? "") : `Request failed (${outcome.reply.status}).`,
          ok ? "INFO" : "ERROR",
        ),
      );
    }
    return logs;
  }

  /** Runs the generation; a model that fails is a runner error, as on fal. */
  private async produce(request: QueuedRequest, generation: Generation): Promise<Reply | Produced> {
    try {
      return await generation.run(request.dir, request.render.signal);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      return requestError("runner_server_error", message.slice(0, MAX_ERROR_MESSAGE_CHARS));
    }
  }

  /** Completes the request after `delayMs`, or later if the render has not finished by then. */
  private finishAt(request: QueuedRequest, delayMs: number, outcome: Promise<Reply | Produced>) {
    request.timer = setTimeout(() => {
      outcome
        .then((produced) => this.finish(request, produced))
        .catch((error: unknown) => console.error("provider emulator: fal request failed:", error));
    }, delayMs);
  }

  /** Records the outcome (once), publishes the files and sends the webhook. */
  private async finish(request: QueuedRequest, produced: Reply | Produced) {
    if (request.outcome) return;
    clearTimeout(request.timer);
    let reply: Reply;
    const files: string[] = [];
    if ("files" in produced) {
      const sizes = await Promise.all(
        produced.files.map(async ({ path }) => (await stat(path)).size),
      );
      if (request.outcome) return; // cancelled while we looked
      const published = produced.files.map(({ path, name, contentType }, index) => {
        const size = sizes[index] ?? 0;
        const file = this.options.files.publish(
          path,
          name,
          contentType,
          size,
          request.lifetimeSeconds,
        );
        files.push(file.id);
        return { url: this.options.files.url(file), name: file.name, contentType, size };
      });
      reply = { status: 200, body: produced.result(published), headers: {} };
    } else reply = produced;
    const completedMs = Date.now();
    request.outcome = { completedMs, reply, files };
    const resultBytes = Buffer.byteLength(JSON.stringify(reply.body));
    request.resultExpiresMs = request.expireOnCompletion
      ? completedMs - 1
      : completedMs + this.options.resultRetentionSeconds(resultBytes) * 1000;
    if (request.expireOnCompletion) this.options.files.expire(files);
    request.markFinished();
    if (request.webhookUrl) {
      const ok = reply.status === 200;
      this.options.signer.deliver(request.webhookUrl, request.userId, {
        request_id: request.id,
        gateway_request_id: request.id,
        status: ok ? "OK" : "ERROR",
        payload: reply.body,
        ...(ok ? {} : { error: `Invalid status code: ${reply.status}` }),
      });
    }
  }
}
