/**
 * Checking a `POST /api/v1/videos` body against the model table, with messages that name the
 * field, the model and what it takes, the way OpenRouter answers an out-of-set value (400).
 *
 * Images are read only from `data:` URLs: the emulator never fetches a remote URL, so an https
 * URL is refused with a 400 that says so. The first frame is cover-fitted to the output size.
 */
import type { IncomingMessage } from "node:http";
import sharp, { type Sharp } from "sharp";
import type { Fields } from "../shared/http";
import { badRequest, OpenRouterError } from "./errors";
import {
  OPENROUTER_VIDEO_MODELS,
  shapeOf,
  sizeFor,
  videoCost,
  videoModelNamed,
  type FrameType,
  type GenerationMode,
  type OpenRouterVideoModel,
} from "./models";

/** OpenRouter's cap on a request body. */
export const MAX_REQUEST_BYTES = 50 * 1024 * 1024;
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];
const REFERENCE_TYPES = ["image_url", "audio_url", "video_url"] as const;
const LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"];

export interface NewVideoJob {
  model: string;
  prompt: string;
  seconds: number;
  width: number;
  height: number;
  resolution: string;
  audio: boolean;
  mode: GenerationMode;
  /** USD, from the model's pricing SKUs; charged when the job completes. */
  cost: number;
  /** A PNG of exactly width x height: the clip's opening frame. */
  firstFramePng?: Buffer;
  callbackUrl?: string;
}

/** Refuses a body over 50 MiB before reading it, as OpenRouter's edge does (413). */
export function checkRequestSize(req: IncomingMessage) {
  const length = Number(req.headers["content-length"] ?? 0);
  if (length > MAX_REQUEST_BYTES) {
    throw new OpenRouterError(
      413,
      `Request body too large: the limit is 50 MiB, got ${length} bytes.`,
    );
  }
}

const list = (values: readonly (string | number)[]) => values.join(", ");

function modelOf(fields: Fields): [string, OpenRouterVideoModel] {
  const id = fields.model;
  if (typeof id !== "string" || id === "") throw badRequest("model is required.");
  const model = videoModelNamed(id);
  if (!model) {
    throw badRequest(
      `${id} is not a valid video model ID. Video models: ` +
        `${list(OPENROUTER_VIDEO_MODELS.map(({ listing }) => listing.id))}.`,
    );
  }
  return [id, model];
}

function durationOf(fields: Fields, id: string, model: OpenRouterVideoModel): number {
  const { duration } = fields;
  if (duration === undefined) return model.defaults.duration;
  const supported = model.listing.supported_durations ?? [];
  if (typeof duration !== "number" || !Number.isInteger(duration)) {
    throw badRequest(
      `duration must be a whole number of seconds, got ${JSON.stringify(duration)}.`,
    );
  }
  if (!supported.includes(duration)) {
    throw badRequest(
      `Unsupported duration ${duration} for ${id}: supported durations are ${list(supported)}.`,
    );
  }
  return duration;
}

function optionalString(fields: Fields, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badRequest(`${name} must be a string.`);
  return value;
}

/** `size`, or `resolution` + `aspect_ratio` (each defaulting), to one of the model's sizes. */
function outputShape(fields: Fields, id: string, model: OpenRouterVideoModel) {
  const { listing, defaults } = model;
  const size = optionalString(fields, "size");
  const resolution = optionalString(fields, "resolution");
  const aspectRatio = optionalString(fields, "aspect_ratio");
  const sizes = listing.supported_sizes ?? [];
  if (size !== undefined) {
    const shape = shapeOf(size);
    if (!sizes.includes(size) || !shape) {
      throw badRequest(`Unsupported size ${size} for ${id}: supported sizes are ${list(sizes)}.`);
    }
    const conflicts =
      (resolution !== undefined && resolution !== shape.resolution) ||
      (aspectRatio !== undefined && aspectRatio !== shape.aspectRatio);
    if (conflicts) {
      throw badRequest(
        `size ${size} is ${shape.resolution} ${shape.aspectRatio}, which conflicts with the ` +
          `resolution or aspect_ratio also given: send size or resolution + aspect_ratio.`,
      );
    }
    return { size, resolution: shape.resolution };
  }
  const tier = resolution ?? defaults.resolution;
  const ratio = aspectRatio ?? defaults.aspectRatio;
  const resolutions = listing.supported_resolutions ?? [];
  const ratios = listing.supported_aspect_ratios ?? [];
  if (!resolutions.includes(tier)) {
    throw badRequest(
      `Unsupported resolution ${tier} for ${id}: supported resolutions are ${list(resolutions)}.`,
    );
  }
  if (!ratios.includes(ratio)) {
    throw badRequest(
      `Unsupported aspect_ratio ${ratio} for ${id}: supported aspect ratios are ${list(ratios)}.`,
    );
  }
  const pixels = sizeFor(tier, ratio);
  if (pixels === undefined || !sizes.includes(pixels)) {
    throw badRequest(
      `${id} does not make ${ratio} at ${tier}: supported sizes are ${list(sizes)}.`,
    );
  }
  return { size: pixels, resolution: tier };
}

function audioOf(fields: Fields, id: string, model: OpenRouterVideoModel): boolean {
  const value = fields.generate_audio;
  // The SDK's documented default: the model's generate_audio flag, false if not set.
  if (value === undefined) return model.listing.generate_audio === true;
  if (typeof value !== "boolean") throw badRequest("generate_audio must be a boolean.");
  if (value && model.listing.generate_audio !== true) {
    throw badRequest(`generate_audio is not supported by ${id}.`);
  }
  return value;
}

function checkSeed(fields: Fields, id: string, model: OpenRouterVideoModel) {
  const { seed } = fields;
  if (seed === undefined) return;
  if (typeof seed !== "number" || !Number.isSafeInteger(seed) || seed < 0) {
    throw badRequest("seed must be a non-negative integer.");
  }
  if (model.listing.seed !== true) throw badRequest(`seed is not supported by ${id}.`);
}

/** Fields of upscaling models and continuations, which none of the served models are. */
function checkUnsupported(fields: Fields, id: string) {
  for (const field of ["upscale_factor", "creativity"]) {
    if (fields[field] !== undefined) {
      throw badRequest(`${field} is only for video upscaling models; ${id} generates video.`);
    }
  }
  if (fields.previous_job_id !== undefined) {
    throw badRequest(`previous_job_id: ${id} does not support continuing a previous job.`);
  }
}

/** The bytes of a base64 `data:` URL of one of `types`. */
function dataUrlBytes(url: unknown, where: string, types: string[] | null): Buffer {
  if (typeof url !== "string") throw badRequest(`${where} must be a string URL.`);
  if (!url.startsWith("data:")) {
    throw badRequest(
      `${where} ${JSON.stringify(url.slice(0, 60))}: the provider emulator accepts only ` +
        `data: URLs and never fetches remote media.`,
    );
  }
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match || (types !== null && !types.includes(match[1] ?? ""))) {
    throw badRequest(`${where} must be a base64 data: URL${types ? ` of ${list(types)}` : ""}.`);
  }
  return Buffer.from(match[2] ?? "", "base64");
}

async function decodedImage(bytes: Buffer, where: string) {
  const image = sharp(bytes);
  try {
    await image.metadata();
  } catch {
    throw badRequest(`${where} is not a readable image.`);
  }
  return image;
}

type Part = Record<string, unknown>;
const asPart = (value: unknown): Part =>
  value && typeof value === "object" ? (value as Part) : {};

/** The frame images by type, each checked against the model and decoded. */
async function frameImagesOf(fields: Fields, id: string, model: OpenRouterVideoModel) {
  const frames = fields.frame_images;
  if (frames === undefined) return new Map<FrameType, Sharp>();
  if (!Array.isArray(frames)) throw badRequest("frame_images must be an array.");
  const supported = model.listing.supported_frame_images ?? [];
  const images = new Map<FrameType, Sharp>();
  for (const [index, frame] of frames.entries()) {
    const { type, image_url: imageUrl, frame_type: frameType } = asPart(frame);
    const where = `frame_images[${index}]`;
    if (type !== "image_url") throw badRequest(`${where}.type must be image_url.`);
    if (!supported.includes(frameType as FrameType)) {
      throw badRequest(
        `Unsupported frame_type ${JSON.stringify(frameType)} for ${id}: supported frame images ` +
          `are ${supported.length > 0 ? list(supported) : "none"}.`,
      );
    }
    if (images.has(frameType as FrameType)) {
      throw badRequest(`frame_images may name each frame_type once; ${frameType} is repeated.`);
    }
    const url = asPart(imageUrl).url;
    const bytes = dataUrlBytes(url, `${where}.image_url.url`, IMAGE_TYPES);
    images.set(frameType as FrameType, await decodedImage(bytes, where));
  }
  if (images.has("last_frame") && !images.has("first_frame")) {
    throw badRequest(`${id} needs a first_frame to end on a last_frame.`);
  }
  return images;
}

/** Checked, never drawn: the clip opens on the first frame only. */
async function checkReferences(fields: Fields) {
  const references = fields.input_references;
  if (references === undefined) return 0;
  if (!Array.isArray(references)) throw badRequest("input_references must be an array.");
  for (const [index, reference] of references.entries()) {
    const part = asPart(reference);
    const where = `input_references[${index}]`;
    const type = part.type as (typeof REFERENCE_TYPES)[number];
    if (!REFERENCE_TYPES.includes(type)) {
      throw badRequest(`${where}.type must be one of ${list(REFERENCE_TYPES)}.`);
    }
    const isImage = type === "image_url";
    const bytes = dataUrlBytes(
      asPart(part[type]).url,
      `${where}.${type}.url`,
      isImage ? IMAGE_TYPES : null,
    );
    if (isImage) await decodedImage(bytes, where);
  }
  return references.length;
}

/** A callback must be HTTPS, as OpenRouter requires; plain HTTP only to this machine. */
function callbackUrlOf(fields: Fields): string | undefined {
  const raw = optionalString(fields, "callback_url");
  if (raw === undefined) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    // refused below
  }
  const loopback = url?.protocol === "http:" && LOOPBACK_HOSTS.includes(url.hostname);
  if (!url || (url.protocol !== "https:" && !loopback)) {
    throw badRequest("callback_url must be an HTTPS URL.");
  }
  return url.toString();
}

export async function newVideoJob(fields: Fields): Promise<NewVideoJob> {
  const [id, model] = modelOf(fields);
  checkUnsupported(fields, id);
  const seconds = durationOf(fields, id, model);
  const { size, resolution } = outputShape(fields, id, model);
  const audio = audioOf(fields, id, model);
  checkSeed(fields, id, model);
  const callbackUrl = callbackUrlOf(fields);
  const frames = await frameImagesOf(fields, id, model);
  const references = await checkReferences(fields);
  const prompt = optionalString(fields, "prompt") ?? "";
  if (prompt.trim() === "" && frames.size === 0 && references === 0) {
    throw badRequest(
      `prompt is required for ${id} unless frame_images or input_references are given.`,
    );
  }
  const [width = 0, height = 0] = size.split("x").map(Number);
  const mode: GenerationMode = frames.size > 0 ? "image_to_video" : "text_to_video";
  const first = frames.get("first_frame");
  return {
    model: id,
    prompt,
    seconds,
    width,
    height,
    resolution,
    audio,
    mode,
    cost: videoCost(model, { seconds, width, height, resolution, audio, mode }),
    // The provider crops a frame to the output's shape; cover-fitting does the same.
    firstFramePng: await first?.rotate().resize(width, height, { fit: "cover" }).png().toBuffer(),
    callbackUrl,
  };
}
