/**
 * Takes' HTTP API as a client sees it (README, "Using the API"): the only way the CLI and the MCP
 * server reach Takes, so they work the same against the local stack and a deployed stage.
 */
import { randomUUID } from "node:crypto";
import { ApiError, CliError, EXIT } from "./errors";

export type JobStatus = "queued" | "in_progress" | "copying" | "completed" | "failed" | "expired";

export interface Media {
  url: string;
  contentType: string;
  bytes: number;
}

/** A stored file the listing names without a URL (ask GET /api/videos/{id} for one). */
export type StoredMedia = Omit<Media, "url">;

export interface Job {
  id: string;
  status: JobStatus;
  progress: number;
  progressEstimated: boolean;
  queuePosition: number | null;
  prompt: string;
  model: string;
  seconds: number;
  size: string;
  provider: string;
  sound: boolean | null;
  parentId: string | null;
  createdAt: string;
  completedAt: string | null;
  error: { code: string; message: string } | null;
  /** Why a completed video has no first or last frame (its file could not be read). */
  framesError: { code: string; message: string } | null;
  cost: { estimatedUsd: number | null; actualUsd: number | null; credits: number | null };
  media: Record<"video" | "thumbnail" | "spritesheet" | "firstFrame" | "lastFrame", Media | null>;
}

/** A job as the listing gives it: URLs for what a card shows (thumbnail, sprite sheet) only. */
export interface ListedJob extends Omit<Job, "media"> {
  media: Record<"thumbnail" | "spritesheet", Media | null> &
    Record<"video" | "firstFrame" | "lastFrame", StoredMedia | null>;
}

export interface Model {
  id: string;
  label: string;
  seconds: number[];
  sizes: string[];
  images: { firstFrame: boolean; lastFrame: boolean };
  sound: "never" | "optional" | "always";
  remix: boolean;
  price: { perSecond: { usd: number; sizes?: string[]; sound?: boolean }[] } | null;
}

export interface Provider {
  name: string;
  label: string;
  reportsProgress: boolean;
  models: Model[];
  account?: { balance?: string };
}

export interface Share {
  token: string;
  url: string;
  createdAt: string;
  expiresAt: string;
  views: number;
}

export type Frame = "first" | "last";

const FINISHED: readonly JobStatus[] = ["completed", "failed", "expired"];
export const isFinished = (job: Job) => FINISHED.includes(job.status);

interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: FormData;
  query?: Record<string, string | number | undefined>;
  /**
   * Starts a job: sent with a fresh Idempotency-Key, and sent once more with the same key when
   * the first try got no answer or a 504, so a lost reply never makes (or bills) a second video.
   */
  startsJob?: boolean;
}

/**
 * The answer after which a request that starts a job is worth one more try under its key: the
 * provider did not answer in time, so whether it started is unknown (a 503 says it did not).
 */
const UNANSWERED = new Set([504]);

export class TakesClient {
  constructor(
    /** Where Takes answers, without a trailing slash: `http://127.0.0.1:3000`. */
    readonly url: string,
    private readonly credential: string | undefined,
  ) {}

  /** One API call; an error reply becomes an ApiError carrying the API's code and message. */
  private async call(path: string, options: RequestOptions = {}): Promise<Response> {
    if (!this.credential) {
      throw new CliError(
        EXIT.auth,
        `No credential for ${this.url}: run \`takes login\`, or pass --key or set TAKES_KEY.`,
        "no_credential",
      );
    }
    const url = new URL(`${this.url}${path}`);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.credential}` };
    let body: string | FormData | undefined = options.form;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    if (options.startsJob) headers["idempotency-key"] = randomUUID();
    const send = () =>
      reach(this.url, () =>
        fetch(url, {
          method: options.method ?? (body === undefined ? "GET" : "POST"),
          headers,
          body,
          // A redirect leads to storage, which must never see the credential: followed by hand.
          redirect: "manual",
        }),
      );
    let response: Response;
    try {
      response = await send();
      if (options.startsJob && UNANSWERED.has(response.status)) response = await send();
    } catch (error) {
      if (!options.startsJob) throw error;
      response = await send();
    }
    if (response.status >= 400) throw await apiError(response);
    return response;
  }

  private async json<T>(path: string, options?: RequestOptions): Promise<T> {
    return (await this.call(path, options)).json() as Promise<T>;
  }

  providers() {
    return this.json<{ providers: Provider[] }>("/api/providers");
  }

  /** JSON fields, or multipart with an `input_reference` image. */
  createVideo(request: Record<string, unknown> | FormData) {
    return this.json<Job>("/api/videos", {
      ...(request instanceof FormData ? { form: request } : { json: request }),
      startsJob: true,
    });
  }

  listVideos(query: { status?: string; limit?: number; cursor?: string } = {}) {
    return this.json<{ jobs: ListedJob[]; nextCursor: string | null }>("/api/videos", { query });
  }

  getVideo(id: string) {
    return this.json<Job>(`/api/videos/${encodeURIComponent(id)}`);
  }

  async deleteVideo(id: string): Promise<void> {
    await this.call(`/api/videos/${encodeURIComponent(id)}`, { method: "DELETE" });
  }

  remixVideo(id: string, prompt: string) {
    return this.json<Job>(`/api/videos/${encodeURIComponent(id)}/remix`, {
      json: { prompt },
      startsJob: true,
    });
  }

  improvePrompt(request: Record<string, unknown>) {
    return this.json<{ prompt: string; notes: string[] }>("/api/prompts/improve", {
      json: request,
    });
  }

  shareVideo(id: string, expiresIn: number) {
    return this.json<{ share: Share }>(`/api/videos/${encodeURIComponent(id)}/shares`, {
      json: { expiresIn },
    });
  }

  /** The link stops working at once. */
  async revokeShare(id: string, token: string): Promise<void> {
    const path = `/api/videos/${encodeURIComponent(id)}/shares/${encodeURIComponent(token)}`;
    await this.call(path, { method: "DELETE" });
  }

  /** An extracted frame: the API answers with a redirect to a short-lived URL. */
  async frame(id: string, frame: Frame): Promise<Response> {
    const path = `/api/videos/${encodeURIComponent(id)}/frames/${encodeURIComponent(frame)}`;
    const location = (await this.call(path)).headers.get("location");
    if (!location)
      throw new CliError(EXIT.failure, `Takes gave no address for the ${frame} frame.`);
    return download(location);
  }
}

/** A short-lived media URL the API handed out (no credential goes with it). */
export async function download(url: string): Promise<Response> {
  const response = await reach(new URL(url).origin, () => fetch(url));
  if (!response.ok || !response.body) {
    throw new CliError(EXIT.failure, `The download failed: HTTP ${response.status}.`);
  }
  return response;
}

async function reach(where: string, send: () => Promise<Response>): Promise<Response> {
  try {
    return await send();
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const reason = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError(EXIT.failure, `Cannot reach ${where}: ${reason}.`, "unreachable");
  }
}

async function apiError(response: Response): Promise<ApiError> {
  const text = await response.text();
  try {
    const { error } = JSON.parse(text) as { error: { code: string; message: string } };
    if (typeof error?.message === "string") {
      return new ApiError(response.status, error.code, error.message);
    }
  } catch {
    // Not Takes' JSON (a proxy's page, say): the status is all there is to go on.
  }
  return new ApiError(response.status, "http_error", `Takes answered HTTP ${response.status}.`);
}
