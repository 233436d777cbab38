/**
 * A loopback proxy in front of the provider emulator that counts what each provider job cost in
 * requests: its status polls, and every other call (the create, result reads, downloads). Each
 * provider's routes are recognised by path, under the prefix Takes' adapter is pointed at
 * (`/v1` OpenAI-shaped, `/runway`, `/fal`).
 *
 * Only requests to the API pass the proxy: Runway's output URLs and fal's CDN URLs name the
 * emulator itself, so those downloads go around it and are not counted.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

type CallKind = "create" | "status" | "result" | "download";

interface ProviderRoute {
  provider: string;
  kind: CallKind;
  method: string;
  /** The provider job id is the first group, where the path names one. */
  path: RegExp;
}

const FAL_REQUEST = "^/fal/queue/[^/]+/[^/]+/requests/([^/]+)";

const ROUTES: readonly ProviderRoute[] = [
  { provider: "openai", kind: "create", method: "POST", path: /^\/v1\/videos$/ },
  { provider: "openai", kind: "status", method: "GET", path: /^\/v1\/videos\/([^/]+)$/ },
  {
    provider: "openai",
    kind: "download",
    method: "GET",
    path: /^\/v1\/videos\/([^/]+)\/content$/,
  },
  {
    provider: "runway",
    kind: "create",
    method: "POST",
    path: /^\/runway\/v1\/(?:text|image)_to_video$/,
  },
  { provider: "runway", kind: "status", method: "GET", path: /^\/runway\/v1\/tasks\/([^/]+)$/ },
  { provider: "fal", kind: "status", method: "GET", path: new RegExp(`${FAL_REQUEST}/status$`) },
  { provider: "fal", kind: "result", method: "GET", path: new RegExp(`${FAL_REQUEST}$`) },
  // Submits name the endpoint, not a request: the id comes back in the answer.
  { provider: "fal", kind: "create", method: "POST", path: /^\/fal\/queue\/.+$/ },
];

/** What each provider's status answer says once the job is done (well or not). */
const FINISHED = new Set(["completed", "failed", "SUCCEEDED", "FAILED", "CANCELLED", "COMPLETED"]);

/** One provider job's requests. */
export interface JobCalls {
  /** Status reads up to and including the first that said the job was done. */
  polls: number;
  /** Everything else: the create, status reads after that one, result reads, downloads. */
  other: number;
  /** When the poll that found the job done was answered. */
  foundAt?: number;
}

export class ProviderCalls {
  private readonly jobs = new Map<string, JobCalls>();
  /** Requests no job can be named for (e.g. fal's webhook key set), by method and path. */
  readonly unattributed = new Map<string, number>();

  of(providerJobId: string): JobCalls {
    let calls = this.jobs.get(providerJobId);
    if (!calls) this.jobs.set(providerJobId, (calls = { polls: 0, other: 0 }));
    return calls;
  }

  /** Counts one answered request; `body` is its JSON answer where the route needs it read. */
  record(method: string, path: string, body: unknown) {
    const route = ROUTES.find((r) => r.method === method && r.path.test(path));
    const answer = (body ?? {}) as { id?: unknown; request_id?: unknown; status?: unknown };
    const id =
      route?.kind === "create"
        ? (answer.request_id ?? answer.id)
        : route && route.path.exec(path)?.[1];
    if (!route || typeof id !== "string") {
      const key = `${method} ${path}`;
      this.unattributed.set(key, (this.unattributed.get(key) ?? 0) + 1);
      return;
    }
    const calls = this.of(decodeURIComponent(id));
    // Runway's copy reads the task again for a fresh output URL: a status path, not a poll.
    if (route.kind !== "status" || calls.foundAt !== undefined) {
      calls.other++;
      return;
    }
    calls.polls++;
    if (typeof answer.status === "string" && FINISHED.has(answer.status)) {
      calls.foundAt = Date.now();
    }
  }
}

/** Whether the proxy must read a request's answer: creates (for the id) and status reads. */
const needsBody = (method: string, path: string) =>
  ROUTES.some(
    (route) =>
      (route.kind === "create" || route.kind === "status") &&
      route.method === method &&
      route.path.test(path),
  );

export interface CountingProxy {
  url: string;
  /** Where requests go: the provider emulator. */
  target: string;
  /** Replaced for each strategy's run. */
  calls: ProviderCalls;
  close(): void;
}

export async function startCountingProxy(): Promise<CountingProxy> {
  const proxy: CountingProxy = { url: "", target: "", calls: new ProviderCalls(), close() {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? "";
    const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
    const calls = proxy.calls;
    const target = new URL(req.url ?? "/", proxy.target);
    const upstream = request(target, { method, headers: req.headers }, (reply) => {
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      const chunks: Buffer[] = [];
      if (needsBody(method, path)) reply.on("data", (chunk: Buffer) => chunks.push(chunk));
      reply.on("end", () => {
        let body: unknown;
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
        } catch {
          body = undefined;
        }
        calls.record(method, path, body);
      });
      reply.pipe(res);
    });
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  proxy.close = () => {
    server.closeAllConnections();
    server.close();
  };
  return proxy;
}
