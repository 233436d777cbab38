/**
 * The /v1/videos routes: request validation with OpenAI's error messages, then the store.
 */
import sharp, { type Metadata } from "sharp";
import { badRequest } from "./errors";
import { readFields, sendFile, sendJson, type Fields, type Route } from "../shared/http";
import { requiredPrompt } from "./fields";
import {
  SECONDS,
  SIZES,
  type ContentVariant,
  type NewVideo,
  type VideoSeconds,
  type VideoSize,
  type VideoStore,
} from "./videos";

const DEFAULT_LIST_LIMIT = 20;
const MAX_LIST_LIMIT = 100;
const VARIANTS: readonly ContentVariant[] = ["video", "thumbnail", "spritesheet"];

/** "'4', '8', and '12'", as OpenAI lists supported values. */
function listValues(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  return `${quoted.slice(0, -1).join(", ")}, and ${quoted[quoted.length - 1]}`;
}

function oneOf<T extends string>(
  fields: Fields,
  param: string,
  values: readonly T[],
  fallback: T,
): T {
  const value = fields[param];
  if (value === undefined || value === "") return fallback;
  const text = String(value);
  if ((values as readonly string[]).includes(text)) return text as T;
  throw badRequest(`Invalid value: '${text}'. Supported values are: ${listValues(values)}.`, param);
}

function decodeDataUrl(url: string): Buffer {
  const match = /^data:[^;,]*(;base64)?,(.*)$/s.exec(url);
  if (!match) {
    // The emulator never fetches remote URLs: it only ever reads what the caller sent.
    throw badRequest(
      "Only data: URLs are supported for input_reference.image_url by the emulator.",
      "input_reference",
    );
  }
  const [, base64, data = ""] = match;
  return base64 ? Buffer.from(data, "base64") : Buffer.from(decodeURIComponent(data));
}

/** The reference image's bytes, from an upload, `{image_url: 'data:...'}` or a data URL string. */
async function referenceBytes(value: unknown): Promise<Buffer | undefined> {
  if (value === undefined || value === null || value === "") return undefined;
  if (value instanceof Blob) return Buffer.from(await value.arrayBuffer());
  if (typeof value === "string") return decodeDataUrl(value);
  if (typeof value === "object") {
    const { image_url: imageUrl, file_id: fileId } = value as Record<string, unknown>;
    if (typeof imageUrl === "string") return decodeDataUrl(imageUrl);
    if (fileId !== undefined) {
      throw badRequest(
        "File ids are not supported by the emulator; upload the image.",
        "input_reference",
      );
    }
  }
  throw badRequest(
    "Invalid 'input_reference': expected an image file or {image_url}.",
    "input_reference",
  );
}

/** Checks the reference is an image of exactly `size`, and normalises it to PNG for ffmpeg. */
async function referencePng(value: unknown, size: VideoSize): Promise<Buffer | undefined> {
  const bytes = await referenceBytes(value);
  if (!bytes) return undefined;
  const [width, height] = size.split("x").map(Number);
  let metadata: Metadata;
  try {
    metadata = await sharp(bytes).metadata();
  } catch {
    throw badRequest(
      "Invalid 'input_reference': the file is not a supported image.",
      "input_reference",
    );
  }
  if (metadata.width !== width || metadata.height !== height) {
    throw badRequest(
      `Inpaint image must match the requested width and height (${size}); got ` +
        `${metadata.width}x${metadata.height}.`,
      "input_reference",
    );
  }
  return sharp(bytes).png().toBuffer();
}

async function newVideo(fields: Fields): Promise<NewVideo> {
  const prompt = requiredPrompt(fields);
  const model = fields.model === undefined || fields.model === "" ? "sora-2" : fields.model;
  if (typeof model !== "string") throw badRequest("Invalid type for 'model'.", "model");
  const seconds = oneOf<VideoSeconds>(fields, "seconds", SECONDS, "4");
  const size = oneOf<VideoSize>(fields, "size", SIZES, "720x1280");
  return {
    prompt,
    model,
    seconds,
    size,
    referencePng: await referencePng(fields.input_reference, size),
  };
}

function listLimit(raw: string | null): number {
  if (raw === null) return DEFAULT_LIST_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw badRequest(
      `Invalid 'limit': expected an integer between 1 and ${MAX_LIST_LIMIT}.`,
      "limit",
    );
  }
  return limit;
}

export function videoRoutes(store: VideoStore): Route[] {
  return [
    {
      method: "POST",
      path: /^\/videos$/,
      async handle({ req, res, owner }) {
        const video = await store.create(owner, await newVideo(await readFields(req)));
        sendJson(res, 200, video);
      },
    },
    {
      method: "GET",
      path: /^\/videos$/,
      async handle({ res, url, owner }) {
        const query = url.searchParams;
        const order = query.get("order") ?? "desc";
        if (order !== "asc" && order !== "desc") {
          throw badRequest(
            `Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`,
            "order",
          );
        }
        const after = query.get("after") || undefined;
        sendJson(
          res,
          200,
          store.list(owner, { after, limit: listLimit(query.get("limit")), order }),
        );
      },
    },
    {
      method: "GET",
      path: /^\/videos\/([^/]+)$/,
      async handle({ res, owner, params: [id = ""] }) {
        sendJson(res, 200, store.retrieve(owner, id));
      },
    },
    {
      method: "DELETE",
      path: /^\/videos\/([^/]+)$/,
      async handle({ res, owner, params: [id = ""] }) {
        sendJson(res, 200, await store.delete(owner, id));
      },
    },
    {
      method: "POST",
      path: /^\/videos\/([^/]+)\/remix$/,
      async handle({ req, res, owner, params: [id = ""] }) {
        const prompt = requiredPrompt(await readFields(req));
        sendJson(res, 200, await store.remix(owner, id, prompt));
      },
    },
    {
      method: "GET",
      path: /^\/videos\/([^/]+)\/content$/,
      async handle({ res, url, owner, params: [id = ""] }) {
        const variant = url.searchParams.get("variant") ?? "video";
        if (!(VARIANTS as readonly string[]).includes(variant)) {
          throw badRequest(
            `Invalid value: '${variant}'. Supported values are: ${listValues(VARIANTS)}.`,
            "variant",
          );
        }
        const { path, contentType } = store.content(owner, id, variant as ContentVariant);
        await sendFile(res, path, contentType);
      },
    },
  ];
}
