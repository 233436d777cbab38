/**
 * Luma Ray2 as Bedrock serves it (`luma.ray-v2:0`, us-west-2 only): what its `modelInput` takes,
 * checked the way Bedrock checks a model's input — against a JSON schema, refusing with
 * `Malformed input request: <violation>, please reformat your input and try again.`, the
 * violation worded as the JSON-schema validator Bedrock uses words it ("#/duration: 10s is not a
 * valid enum value", "#: required key [prompt] not found").
 *
 * Source: AWS's "Luma AI models" parameter page (prompt 1-5000 characters, aspect_ratio, loop,
 * duration "5s" | "9s", resolution "540p" | "720p"). Defaults for left-out fields are Luma's own
 * (16:9, 5 s, 720p, no loop). `keyframes` is NOT on AWS's page: public code sends
 * `keyframes.frame0/frame1 = {type: "image", source: {type: "base64", media_type, data}}`, which
 * the emulator accepts as unverified; frame0 is drawn as the first frame, frame1 is only checked.
 */
import sharp from "sharp";
import { validationError } from "./errors";

export const LUMA_RAY2_MODEL_ID = "luma.ray-v2:0";
/** The only region Bedrock serves Luma Ray2 in. */
export const LUMA_RAY2_REGION = "us-west-2";
export const LUMA_RAY2_MODEL_ARN = `arn:aws:bedrock:${LUMA_RAY2_REGION}::foundation-model/${LUMA_RAY2_MODEL_ID}`;

export const ASPECT_RATIOS = ["16:9", "9:16", "1:1", "4:3", "3:4", "21:9", "9:21"] as const;
export const DURATIONS = ["5s", "9s"] as const;
export const RESOLUTIONS = ["540p", "720p"] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];
export type Resolution = (typeof RESOLUTIONS)[number];

/**
 * The pixel size each aspect ratio and resolution renders at. Neither AWS nor Luma publishes
 * them: only 16:9 is stated (1280x720 and 960x540, on third-party spec pages), which shows the
 * short side keeps the resolution's line count. The rest follow that rule, the long side rounded
 * to a multiple of 16 (only 21:9 and 9:21 at 540p needed it: 1260 → 1264). Unverified against a
 * live Bedrock output.
 */
export const LUMA_RAY2_SIZES: Record<
  AspectRatio,
  Record<Resolution, { width: number; height: number }>
> = {
  "16:9": { "540p": { width: 960, height: 540 }, "720p": { width: 1280, height: 720 } },
  "9:16": { "540p": { width: 540, height: 960 }, "720p": { width: 720, height: 1280 } },
  "1:1": { "540p": { width: 540, height: 540 }, "720p": { width: 720, height: 720 } },
  "4:3": { "540p": { width: 720, height: 540 }, "720p": { width: 960, height: 720 } },
  "3:4": { "540p": { width: 540, height: 720 }, "720p": { width: 720, height: 960 } },
  "21:9": { "540p": { width: 1264, height: 540 }, "720p": { width: 1680, height: 720 } },
  "9:21": { "540p": { width: 540, height: 1264 }, "720p": { width: 720, height: 1680 } },
};

const MAX_PROMPT_CHARS = 5000;
const IMAGE_MEDIA_TYPES = ["image/jpeg", "image/png"] as const;
const FRAMES = ["frame0", "frame1"] as const;

/** A checked Luma Ray2 request, with the first frame still encoded as sent. */
export interface LumaJob {
  prompt: string;
  aspectRatio: AspectRatio;
  resolution: Resolution;
  seconds: number;
  loop: boolean;
  width: number;
  height: number;
  firstFrame?: { mediaType: string; data: Buffer };
  lastFrame?: { mediaType: string; data: Buffer };
}

type Json = Record<string, unknown>;

/** The JSON-schema validator's name for a value's type. */
function typeName(value: unknown): string {
  if (value === null) return "Null";
  if (Array.isArray(value)) return "JSONArray";
  if (typeof value === "object") return "JSONObject";
  if (typeof value === "number") return Number.isInteger(value) ? "Integer" : "BigDecimal";
  return typeof value === "boolean" ? "Boolean" : "String";
}

/** Collects violations as `#/path: message`, the way the schema validator reports them. */
class Violations {
  readonly found: string[] = [];

  add(path: string, message: string) {
    this.found.push(`${path}: ${message}`);
  }

  /** The object at `path`, refusing unknown and missing keys; null when it is not one. */
  object(value: unknown, path: string, keys: readonly string[], required: readonly string[]) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      this.add(path, `expected type: JSONObject, found: ${typeName(value)}`);
      return null;
    }
    for (const key of required) {
      if (!(key in value)) this.add(path, `required key [${key}] not found`);
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.add(path, `extraneous key [${key}] is not permitted`);
    }
    return value as Json;
  }

  oneOf<T extends string>(value: unknown, path: string, values: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value === "string" && (values as readonly string[]).includes(value)) {
      return value as T;
    }
    this.add(
      path,
      `${typeof value === "string" ? value : JSON.stringify(value)} is not a valid enum value`,
    );
    return undefined;
  }

  string(value: unknown, path: string, minLength: number, maxLength = Infinity) {
    if (typeof value !== "string") {
      this.add(path, `expected type: String, found: ${typeName(value)}`);
      return "";
    }
    if (value.length < minLength) {
      this.add(path, `expected minLength: ${minLength}, actual: ${value.length}`);
    }
    if (value.length > maxLength) {
      this.add(path, `expected maxLength: ${maxLength}, actual: ${value.length}`);
    }
    return value;
  }
}

function frameOf(value: unknown, path: string, violations: Violations) {
  const frame = violations.object(value, path, ["type", "source"], ["type", "source"]);
  if (!frame) return undefined;
  violations.oneOf(frame.type, `${path}/type`, ["image"]);
  const sourcePath = `${path}/source`;
  const source = violations.object(
    frame.source,
    sourcePath,
    ["type", "media_type", "data"],
    ["type", "media_type", "data"],
  );
  if (!source) return undefined;
  violations.oneOf(source.type, `${sourcePath}/type`, ["base64"]);
  const mediaType = violations.oneOf(
    source.media_type,
    `${sourcePath}/media_type`,
    IMAGE_MEDIA_TYPES,
  );
  const data = violations.string(source.data, `${sourcePath}/data`, 1);
  return mediaType && data ? { mediaType, data: Buffer.from(data, "base64") } : undefined;
}

const malformed = (violation: string) =>
  validationError(
    `Malformed input request: ${violation}, please reformat your input and try again.`,
  );

/** Checks `modelInput` against Luma Ray2's schema; throws Bedrock's ValidationException if not. */
export function lumaJobOf(modelInput: unknown): LumaJob {
  const violations = new Violations();
  const keys = ["prompt", "aspect_ratio", "loop", "duration", "resolution", "keyframes"];
  const input = violations.object(modelInput, "#", keys, ["prompt"]);
  if (!input) throw malformed(violations.found[0] ?? "#: invalid input");

  const prompt =
    input.prompt === undefined
      ? ""
      : violations.string(input.prompt, "#/prompt", 1, MAX_PROMPT_CHARS);
  const aspectRatio = violations.oneOf(input.aspect_ratio, "#/aspect_ratio", ASPECT_RATIOS);
  const duration = violations.oneOf(input.duration, "#/duration", DURATIONS);
  const resolution = violations.oneOf(input.resolution, "#/resolution", RESOLUTIONS);
  if (input.loop !== undefined && typeof input.loop !== "boolean") {
    violations.add("#/loop", `expected type: Boolean, found: ${typeName(input.loop)}`);
  }
  const keyframes =
    input.keyframes === undefined
      ? {}
      : (violations.object(input.keyframes, "#/keyframes", FRAMES, []) ?? {});
  const [firstFrame, lastFrame] = FRAMES.map((name) =>
    keyframes[name] === undefined
      ? undefined
      : frameOf(keyframes[name], `#/keyframes/${name}`, violations),
  );

  const [only, ...more] = violations.found;
  if (only !== undefined) {
    throw malformed(more.length ? `#: ${more.length + 1} schema violations found` : only);
  }
  const ratio = aspectRatio ?? "16:9";
  const lines = resolution ?? "720p";
  return {
    prompt,
    aspectRatio: ratio,
    resolution: lines,
    seconds: duration === "9s" ? 9 : 5,
    loop: input.loop === true,
    ...LUMA_RAY2_SIZES[ratio][lines],
    firstFrame,
    lastFrame,
  };
}

/**
 * The first frame as a PNG of exactly the output's size (cover-fitted, as a model crops an image
 * to its frame), and a check that the last frame is an image; throws a ValidationException for
 * bytes that are not the image they claim to be.
 */
export async function firstFramePng(job: LumaJob): Promise<Buffer | undefined> {
  const decode = async (frame: LumaJob["firstFrame"], name: string) => {
    if (!frame) return undefined;
    const image = sharp(frame.data);
    try {
      await image.metadata();
    } catch {
      throw malformed(`#/keyframes/${name}/source/data: not a readable ${frame.mediaType} image`);
    }
    return image;
  };
  const [first] = await Promise.all([
    decode(job.firstFrame, "frame0"),
    decode(job.lastFrame, "frame1"),
  ]);
  return first?.resize(job.width, job.height, { fit: "cover" }).png().toBuffer();
}
