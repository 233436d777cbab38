/**
 * What the smoke test reads off plain HTTP answers: security headers, the session cookie's
 * attributes (never its value), a page's meta tags, and the first bytes of a media file.
 */

/** A check that did not hold: its message is the row's detail, so it never carries a secret. */
export const fail = (message: string): never => {
  throw new Error(message);
};

/** A page of the site as the smoke test fetched it: where, and the headers it came with. */
export interface Page {
  name: string;
  headers: Headers;
}

/** HSTS must hold for a year at least (the preload list's floor). */
export const HSTS_MIN_SECONDS = 365 * 24 * 60 * 60;

export function hstsMaxAge(headers: Headers): number | undefined {
  const value = headers.get("strict-transport-security");
  const match = value && /(?:^|;)\s*max-age\s*=\s*"?(\d+)"?/i.exec(value);
  return match ? Number(match[1]) : undefined;
}

/** A Content-Security-Policy as directive name → its sources (the first policy where several). */
export function cspDirectives(headers: Headers): Map<string, string[]> | undefined {
  const policy = headers.get("content-security-policy")?.split(",")[0];
  if (!policy) return undefined;
  const directives = new Map<string, string[]>();
  for (const directive of policy.split(";")) {
    const [name, ...sources] = directive.trim().split(/\s+/);
    if (name && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** The sources a fetch of `kind` is held to: its own directive, else default-src. */
export const sourcesFor = (csp: Map<string, string[]>, kind: string) =>
  csp.get(kind) ?? csp.get("default-src") ?? [];

/** Whether `sources` let a page at `pageOrigin` load `url`. */
export function cspAllows(sources: string[], url: string, pageOrigin: string): boolean {
  const target = new URL(url);
  return sources.some((source) => {
    if (source === "'self'") return target.origin === pageOrigin;
    if (/^[a-z][a-z0-9+.-]*:$/i.test(source)) return target.protocol === source.toLowerCase();
    const wildcard = /^(https?):\/\/\*\.([^/:]+)$/i.exec(source);
    if (wildcard) {
      return (
        target.protocol === `${wildcard[1]!.toLowerCase()}:` &&
        target.hostname.endsWith(`.${wildcard[2]!.toLowerCase()}`)
      );
    }
    return source.replace(/\/$/, "") === target.origin;
  });
}

export interface CookieShape {
  name: string;
  attributes: Map<string, string>;
}

/** A Set-Cookie header's name and attributes, without its value. */
export function cookieShape(setCookie: string): CookieShape {
  const [pair, ...attributes] = setCookie.split(";");
  return {
    name: pair!.split("=")[0]!.trim(),
    attributes: new Map(
      attributes.map((attribute) => {
        const [name, ...value] = attribute.split("=");
        return [name!.trim().toLowerCase(), value.join("=").trim()] as const;
      }),
    ),
  };
}

/** The `name=value` pair a browser would send back. */
export const cookiePair = (setCookie: string) => setCookie.split(";")[0]!.trim();

const ENTITIES: Record<string, string> = {
  amp: "&",
  quot: '"',
  "#39": "'",
  "#x27": "'",
  lt: "<",
  gt: ">",
};

const decodeEntities = (text: string) =>
  text.replace(/&(amp|quot|#39|#x27|lt|gt);/g, (_, entity: string) => ENTITIES[entity]!);

/** `<meta property|name="…" content="…">` tags of an HTML page, by property or name. */
export function metaTags(html: string): Map<string, string> {
  const tags = new Map<string, string>();
  for (const [tag] of html.matchAll(/<meta\s[^>]*>/gi)) {
    const attributes = new Map(
      [...tag.matchAll(/([\w:-]+)\s*=\s*"([^"]*)"/g)].map(
        ([, name, value]) => [name!.toLowerCase(), decodeEntities(value!)] as const,
      ),
    );
    const key = attributes.get("property") ?? attributes.get("name");
    const content = attributes.get("content");
    if (key && content !== undefined && !tags.has(key)) tags.set(key, content);
  }
  return tags;
}

/** What a media file's URL served: its type and length as announced, and its first bytes. */
export interface Served {
  contentType: string;
  length: number | undefined;
  head: Buffer;
}

/**
 * Reads only the first bytes of a media answer, enough to recognise the format: a video need not
 * be downloaded whole to show it is served.
 */
export async function firstBytes(response: Response, count = 16): Promise<Served> {
  const reader = response.body!.getReader();
  const chunks: Buffer[] = [];
  let read = 0;
  while (read < count) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(Buffer.from(value));
    read += value.byteLength;
  }
  await reader.cancel();
  const length = response.headers.get("content-length");
  return {
    contentType: response.headers.get("content-type") ?? "",
    length: length === null ? undefined : Number(length),
    head: Buffer.concat(chunks),
  };
}

/** An MP4 (ISO BMFF) file opens with a box whose type, at byte 4, is `ftyp`. */
export const isMp4 = (head: Buffer) => head.subarray(4, 8).toString("latin1") === "ftyp";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const isPng = (head: Buffer) => head.subarray(0, 8).equals(PNG_SIGNATURE);
