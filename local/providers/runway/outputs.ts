/**
 * Output URLs as Runway hands them out: signed, expiring links to a CDN that needs no API key.
 *
 * A URL is `{base}/_outputs/{taskId}/video.mp4?exp=<unix s>&sig=<hmac>`, the HMAC taken over the
 * task id, the task's URL generation and `exp` under a secret made per process. Every retrieve
 * mints a fresh one; bumping a task's generation (the expire control) voids every URL minted
 * before, while the next retrieve mints working ones again, as Runway's re-issued links do.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";

export const OUTPUT_FILE_NAME = "video.mp4";

export class OutputUrls {
  private readonly secret = randomBytes(32);

  constructor(
    /** The mount's own public base, e.g. http://127.0.0.1:4010/runway. */
    private readonly base: () => string,
    private readonly lifetimeSeconds: number,
  ) {}

  mint(taskId: string, generation: number): string {
    const exp = Math.floor(Date.now() / 1000) + this.lifetimeSeconds;
    const query = new URLSearchParams({
      exp: String(exp),
      sig: this.sign(taskId, generation, exp),
    });
    return `${this.base()}/_outputs/${encodeURIComponent(taskId)}/${OUTPUT_FILE_NAME}?${query}`;
  }

  /** Whether `query` carries an unexpired signature of this task's current generation. */
  verify(taskId: string, generation: number, query: URLSearchParams): boolean {
    const exp = Number(query.get("exp"));
    if (!Number.isInteger(exp) || exp <= Date.now() / 1000) return false;
    const given = Buffer.from(query.get("sig") ?? "");
    const expected = Buffer.from(this.sign(taskId, generation, exp));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sign(taskId: string, generation: number, exp: number): string {
    return createHmac("sha256", this.secret)
      .update(`${taskId}\n${generation}\n${exp}`)
      .digest("base64url");
  }
}

/** What a CDN answers for an expired, forged or vanished link: 403 with an XML body. */
export function sendAccessDenied(res: ServerResponse) {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    "<Error><Code>AccessDenied</Code><Message>Access denied: the link has expired or its " +
    "signature does not match.</Message></Error>";
  res.writeHead(403, {
    "content-type": "application/xml",
    "content-length": Buffer.byteLength(body),
  });
  res.end(body);
}
