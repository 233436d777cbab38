import { presignGet } from "$core/media/storage";

/** Directives whose sources must also name the media bucket: thumbnails, sprites, the video. */
const MEDIA_DIRECTIVES = ["img-src", "media-src"];

let probe: Promise<string> | undefined;

/**
 * The origin the pages' presigned media URLs point at, taken from a URL the presigner itself
 * signs (no request is made): locally the S3 emulator's http://127.0.0.1:<port>, on AWS the
 * bucket's virtual-hosted https origin. Asked once per process; a failure is retried next time.
 */
export function mediaOrigin(): Promise<string> {
  probe ??= presignGet("csp-origin-probe").then(
    (url) => new URL(url).origin,
    (error: unknown) => {
      probe = undefined;
      throw error;
    },
  );
  return probe;
}

/**
 * `policy` (as SvelteKit wrote it, from kit.csp in svelte.config.js) with `source` added to
 * img-src and media-src. SvelteKit's directives are fixed at build time; the bucket's origin is
 * not known until the site runs, so it is added to the header here.
 */
export function allowMediaOrigin(policy: string, source: string): string {
  return policy
    .split(";")
    .map((directive) => {
      const trimmed = directive.trim();
      const name = trimmed.split(/\s+/)[0] ?? "";
      return MEDIA_DIRECTIVES.includes(name) ? `${trimmed} ${source}` : trimmed;
    })
    .filter(Boolean)
    .join("; ");
}
