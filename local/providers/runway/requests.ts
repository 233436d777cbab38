/**
 * Checking a create request (`POST /v1/text_to_video`, `/v1/image_to_video`, `/v1/text_to_image`)
 * against the model tables, with messages that name the field, the model and what it takes, as
 * Runway's do.
 *
 * Prompt and reference images are read only from `data:` URIs: the emulator never fetches a remote
 * URL, so an https or `runway://` URI is refused with a 400 that says so.
 */
import sharp, { type Sharp } from "sharp";
import type { Fields } from "../shared/http";
import { badRequest } from "./errors";
import {
  creditsFor,
  imageCreditsFor,
  imageModelNamed,
  modelNamed,
  modelsOn,
  ratioSize,
  RUNWAY_IMAGE_MODELS,
  type Endpoint,
  type FramePosition,
  type RunwayVideoModel,
} from "./models";

/** Runway's cap on a data URI (the encoded string). */
const MAX_DATA_URI_CHARS = 5 * 1024 * 1024;
const IMAGE_TYPES = ["image/png", "image/jpeg", "image/webp"];
const MAX_SEED = 4_294_967_295;
/** A reference image's tag: 3-16 letters, digits or underscores, starting with a letter. */
const REFERENCE_TAG = /^[A-Za-z][A-Za-z0-9_]{2,15}$/;
const PUBLIC_FIGURE_THRESHOLDS = ["auto", "low"];

interface TaskBasics {
  model: string;
  promptText: string;
  /** The output's exact size, `width:height`. */
  ratio: string;
  /** What the task costs (sound included): its estimate, charged in full when it succeeds. */
  credits: number;
}

export interface NewVideoTask extends TaskBasics {
  kind: "video";
  duration: number;
  /**
   * The first frame, already cover-fitted to the ratio's size, as PNG. A last frame is checked
   * but not drawn: the renderer only opens on an image.
   */
  firstFramePng?: Buffer;
}

/** One image; its reference images are checked but not drawn. */
export interface NewImageTask extends TaskBasics {
  kind: "image";
}

export type NewTask = NewVideoTask | NewImageTask;

/** "2 to 10" for a run of whole numbers, "4, 6 or 8" otherwise. */
function describeValues(values: readonly (number | string)[]): string {
  if (values.length === 1) return String(values[0]);
  const numbers = values.every((value) => typeof value === "number");
  const first = values[0];
  const last = values[values.length - 1];
  if (
    numbers &&
    values.length > 2 &&
    typeof first === "number" &&
    typeof last === "number" &&
    last - first === values.length - 1
  ) {
    return `${first} to ${last}`;
  }
  return `${values.slice(0, -1).join(", ")} or ${last}`;
}

/** A value as messages quote it: single quotes, so the SDK's JSON-in-message stays readable. */
const shown = (value: unknown) => (typeof value === "string" ? `'${value}'` : String(value));

function modelFor(fields: Fields, endpoint: Endpoint): [string, RunwayVideoModel] {
  const name = fields.model;
  const model = typeof name === "string" ? modelNamed(name) : undefined;
  if (typeof name !== "string" || !model || !(endpoint in model.ratios)) {
    throw badRequest(
      `Invalid model ${shown(name)} for ${endpoint}: expected one of ` +
        `${modelsOn(endpoint).join(", ")}.`,
    );
  }
  return [name, model];
}

function promptTextOf(
  text: unknown,
  name: string,
  endpoint: string,
  { maxChars, optional }: { maxChars: number; optional: boolean },
) {
  if (text === undefined && optional) return "";
  if (typeof text !== "string" || text.trim() === "") {
    throw badRequest(`promptText is required for ${name} on ${endpoint}: a non-empty string.`);
  }
  if (text.length > maxChars) {
    throw badRequest(
      `promptText is too long for ${name}: at most ${maxChars} characters, got ${text.length}.`,
    );
  }
  return text;
}

function durationOf(fields: Fields, name: string, model: RunwayVideoModel): number {
  const duration = fields.duration ?? model.defaultDuration;
  if (duration === null) {
    throw badRequest(`duration is required for ${name}: ${describeValues(model.durations)} s.`);
  }
  if (typeof duration !== "number" || !model.durations.includes(duration)) {
    throw badRequest(
      `Invalid duration ${shown(duration)} for ${name}: expected ` +
        `${describeValues(model.durations)} seconds.`,
    );
  }
  return duration;
}

function ratioOf(
  value: unknown,
  name: string,
  endpoint: string,
  { ratios, fallback }: { ratios: readonly string[]; fallback: string | null },
) {
  const ratio = value ?? fallback;
  if (ratio === null) {
    throw badRequest(`ratio is required for ${name}: one of ${describeValues(ratios)}.`);
  }
  if (typeof ratio !== "string" || !ratios.includes(ratio)) {
    throw badRequest(
      `Invalid ratio ${shown(ratio)} for ${name} on ${endpoint}: expected ` +
        `${describeValues(ratios)}.`,
    );
  }
  return ratio;
}

function audioOf(fields: Fields, name: string, model: RunwayVideoModel): boolean {
  const { audio } = fields;
  if (model.defaultAudio === null) {
    if (audio !== undefined) throw badRequest(`${name} does not take audio.`);
    return false;
  }
  if (audio === undefined) return model.defaultAudio;
  if (typeof audio !== "boolean") throw badRequest(`audio must be a boolean, got ${shown(audio)}.`);
  return audio;
}

/** Checked only: the emulator's clip depends on the prompt alone. */
function checkSeed(fields: Fields) {
  const { seed } = fields;
  if (seed === undefined) return;
  if (typeof seed !== "number" || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw badRequest(`seed must be an integer from 0 to ${MAX_SEED}, got ${shown(seed)}.`);
  }
}

/** The image bytes of a `data:image/...;base64,` URI given in `field`. */
function dataUriBytes(uri: string, field: string): Buffer {
  if (!uri.startsWith("data:")) {
    throw badRequest(
      `${field} ${shown(uri.slice(0, 60))} is not a data URI: the emulator only takes ` +
        `data:image/...;base64 URIs and never fetches https or runway:// URIs.`,
    );
  }
  if (uri.length > MAX_DATA_URI_CHARS) {
    throw badRequest(`${field} data URI is larger than 5 MB (${uri.length} characters).`);
  }
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(uri);
  if (!match || !IMAGE_TYPES.includes(match[1] ?? "")) {
    throw badRequest(`${field} data URI must be base64 of one of ${IMAGE_TYPES.join(", ")}.`);
  }
  return Buffer.from(match[2] ?? "", "base64");
}

interface Keyframe {
  position: FramePosition;
  uri: string;
}

/** A string is the first frame; an array names each image's position. */
function keyframesOf(value: unknown, name: string, model: RunwayVideoModel): Keyframe[] {
  if (typeof value === "string") return [{ position: "first", uri: value }];
  if (!Array.isArray(value) || value.length === 0) {
    throw badRequest(
      "promptImage is required for image_to_video: a data URI or an array of {uri, position}.",
    );
  }
  const keyframes = value.map((item: unknown): Keyframe => {
    const { uri, position } = (item ?? {}) as Record<string, unknown>;
    if (typeof uri !== "string") throw badRequest("Each promptImage entry needs a uri string.");
    if (position === undefined) {
      throw badRequest(
        "promptImage entries need a position: reference images (no position) are not emulated.",
      );
    }
    if (!(model.frames as readonly unknown[]).includes(position)) {
      throw badRequest(
        `Invalid promptImage position ${shown(position)} for ${name}: expected ` +
          `${describeValues(model.frames.map(shown))}.`,
      );
    }
    return { uri, position: position as FramePosition };
  });
  const positions = keyframes.map((keyframe) => keyframe.position);
  if (new Set(positions).size !== positions.length) {
    throw badRequest("promptImage may name each position only once.");
  }
  if (!positions.includes("first")) {
    throw badRequest(`${name} needs a first frame: a last frame alone is not supported.`);
  }
  return keyframes;
}

/** The image decoded, or a 400 saying the one in `field` is not one. */
async function checkedImage(bytes: Buffer, field: string): Promise<Sharp> {
  const image = sharp(bytes);
  try {
    await image.metadata();
  } catch {
    throw badRequest(`${field} is not a readable image.`);
  }
  return image;
}

export async function newVideoTask(fields: Fields, endpoint: Endpoint): Promise<NewVideoTask> {
  const [name, model] = modelFor(fields, endpoint);
  checkSeed(fields);
  const duration = durationOf(fields, name, model);
  const task = {
    kind: "video" as const,
    model: name,
    promptText: promptTextOf(fields.promptText, name, endpoint, {
      maxChars: model.maxPromptChars,
      optional: model.promptOptionalOn.includes(endpoint),
    }),
    ratio: ratioOf(fields.ratio, name, endpoint, {
      ratios: model.ratios[endpoint] ?? [],
      fallback: model.defaultRatio,
    }),
    duration,
    credits: creditsFor(model, duration, audioOf(fields, name, model)),
  };
  if (fields.outputFormat !== undefined && fields.outputFormat !== "mp4") {
    throw badRequest(`outputFormat ${shown(fields.outputFormat)}: the emulator only makes mp4.`);
  }
  if (endpoint === "text_to_video") {
    if (fields.promptImage !== undefined) {
      throw badRequest("text_to_video does not take promptImage; use image_to_video.");
    }
    return task;
  }

  const keyframes = keyframesOf(fields.promptImage, name, model);
  const images = await Promise.all(
    keyframes.map(async (keyframe) => ({
      ...keyframe,
      image: await checkedImage(dataUriBytes(keyframe.uri, "promptImage"), "promptImage"),
    })),
  );
  const first = images.find((image) => image.position === "first");
  const { width, height } = ratioSize(task.ratio);
  // Runway crops a prompt image to the output's ratio; cover-fitting does the same.
  const firstFramePng = await first?.image.resize(width, height, { fit: "cover" }).png().toBuffer();
  return { ...task, firstFramePng };
}

/** Up to the model's number of `{uri, tag?}` references, each a readable image. */
async function checkReferenceImages(value: unknown, name: string, max: number) {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.length > max) {
    throw badRequest(`referenceImages for ${name} must be an array of at most ${max} images.`);
  }
  const tags = new Set<string>();
  for (const item of value as unknown[]) {
    const { uri, tag } = (item ?? {}) as Record<string, unknown>;
    if (typeof uri !== "string") throw badRequest("Each referenceImages entry needs a uri string.");
    if (tag !== undefined) {
      if (typeof tag !== "string" || !REFERENCE_TAG.test(tag)) {
        throw badRequest(
          `Invalid referenceImages tag ${shown(tag)}: 3 to 16 letters, digits or underscores, ` +
            `starting with a letter.`,
        );
      }
      if (tags.has(tag)) throw badRequest(`referenceImages tag ${shown(tag)} is used twice.`);
      tags.add(tag);
    }
    await checkedImage(dataUriBytes(uri, "referenceImages"), "referenceImages");
  }
}

function checkContentModeration(value: unknown) {
  if (value === undefined) return;
  const threshold = (value as Record<string, unknown> | null)?.publicFigureThreshold;
  if (
    !value ||
    typeof value !== "object" ||
    (threshold !== undefined && !PUBLIC_FIGURE_THRESHOLDS.includes(threshold as string))
  ) {
    throw badRequest(
      `contentModeration must be {publicFigureThreshold?: ${describeValues(
        PUBLIC_FIGURE_THRESHOLDS.map(shown),
      )}}.`,
    );
  }
}

/** `POST /v1/text_to_image`: one image of exactly the ratio's size. */
export async function newImageTask(fields: Fields): Promise<NewImageTask> {
  const endpoint = "text_to_image";
  const name = fields.model;
  const model = typeof name === "string" ? imageModelNamed(name) : undefined;
  if (typeof name !== "string" || !model) {
    throw badRequest(
      `Invalid model ${shown(name)} for ${endpoint}: expected one of ` +
        `${Object.keys(RUNWAY_IMAGE_MODELS).join(", ")}.`,
    );
  }
  checkSeed(fields);
  const promptText = promptTextOf(fields.promptText, name, endpoint, {
    maxChars: model.maxPromptChars,
    optional: false,
  });
  const ratio = ratioOf(fields.ratio, name, endpoint, { ratios: model.ratios, fallback: null });
  checkContentModeration(fields.contentModeration);
  await checkReferenceImages(fields.referenceImages, name, model.maxReferenceImages);
  return { kind: "image", model: name, promptText, ratio, credits: imageCreditsFor(model, ratio) };
}
