/**
 * Output URLs as Runway hands them out: signed, expiring links to a CDN that needs no API key.
 *
 * A URL is `{base}/_outputs/{taskId}/{video.mp4 | image.png}?exp=<unix s>&sig=<hmac>`, the HMAC
 * taken over the task id, the file name, the task's URL generation and `exp` under a secret made
 * per process. Every retrieve
 * mints a fresh one; bumping a task's generation (the expire control) voids every URL minted
 * before, while the next retrieve mints working ones again, as Runway's re-issued links do.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { ServerResponse } from "node:http";
import { VIDEO_FILE } from "../shared/render";

/** The one file a task makes, by what kind of task it is. */
export const OUTPUT_FILES = {
  video: { name: VIDEO_FILE, contentType: "video/mp4" },
  image: { name: "image.png", contentType: "image/png" },
} as const;

export class OutputUrls {
  private readonly secret = randomBytes(32);

  constructor(
    /** The mount's own public base, e.g. http://127.0.0.1:4010/runway. */
    private readonly base: () => string,
    private readonly lifetimeSeconds: number,
  ) {}

  mint(taskId: string, fileName: string, generation: number): string {
    const exp = Math.floor(Date.now() / 1000) + this.lifetimeSeconds;
    const query = new URLSearchParams({
      exp: String(exp),
      sig: this.sign(taskId, fileName, generation, exp),
    });
    return `${this.base()}/_outputs/${encodeURIComponent(taskId)}/${fileName}?${query}`;
  }

  /** Whether `query` carries an unexpired signature of this file at the task's generation. */
  verify(taskId: string, fileName: string, generation: number, query: URLSearchParams): boolean {
    const exp = Number(query.get("exp"));
    if (!Number.isInteger(exp) || exp <= Date.now() / 1000) return false;
    const given = Buffer.from(query.get("sig") ?? "");
    const expected = Buffer.from(this.sign(taskId, fileName, generation, exp));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sign(taskId: string, fileName: string, generation: number, exp: number): string {
    return createHmac("sha256", this.secret)
      .update(`${taskId}\n${fileName}\n${generation}\n${exp}`)
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
