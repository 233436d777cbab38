/**
 * `POST /v1/images/generations`, gpt-image style: a real PNG of exactly the requested size, its
 * colours derived from the prompt (so the same prompt gives the same image) and the prompt written
 * on it, returned as `b64_json`. Takes uses it for reference images.
 */
import { badRequest } from "./errors";
import { readFields, sendJson, type Route } from "../shared/http";
import { renderImage } from "../shared/image";
import { requiredPrompt } from "./fields";

const MIN_SIDE = 256;
const MAX_SIDE = 3840;
/** gpt-image-2 takes any size whose sides are multiples of 16. */
const SIDE_MULTIPLE = 16;
const MAX_IMAGES = 10;
const DEFAULT_SIZE = "1024x1024";

function parseSize(raw: unknown): { width: number; height: number } {
  const size = raw === undefined || raw === "auto" ? DEFAULT_SIZE : String(raw);
  const match = /^(\d+)x(\d+)$/.exec(size);
  const [width, height] = match ? [Number(match[1]), Number(match[2])] : [NaN, NaN];
  const valid = (side: number) =>
    side >= MIN_SIDE && side <= MAX_SIDE && side % SIDE_MULTIPLE === 0;
  if (!valid(width) || !valid(height)) {
    throw badRequest(
      `Invalid size '${size}'. Both sides must be multiples of ${SIDE_MULTIPLE} between ` +
        `${MIN_SIDE} and ${MAX_SIDE} pixels, e.g. '1280x720'.`,
      "size",
    );
  }
  return { width, height };
}

function imageCount(raw: unknown): number {
  if (raw === undefined) return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_IMAGES) {
    throw badRequest(`Invalid 'n': expected an integer between 1 and ${MAX_IMAGES}.`, "n");
  }
  return n;
}

export function imageRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: /^\/images\/generations$/,
      async handle({ req, res }) {
        const fields = await readFields(req);
        const prompt = requiredPrompt(fields);
        const { width, height } = parseSize(fields.size);
        const n = imageCount(fields.n);
        const images = await Promise.all(
          Array.from({ length: n }, (_, i) => renderImage(prompt, width, height, i)),
        );
        sendJson(res, 200, {
          created: Math.floor(Date.now() / 1000),
          data: images.map((png) => ({ b64_json: png.toString("base64") })),
          output_format: "png",
          size: `${width}x${height}`,
        });
      },
    },
  ];
}
