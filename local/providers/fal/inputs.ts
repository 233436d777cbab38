/**
 * A model input checked the way fal's apps check it (FastAPI + pydantic v2: the same `type`,
 * `loc` and `msg` wording), then turned into what to render: prompt, length, exact pixel size and
 * the opening frame, cover-fitted to that size.
 *
 * On fal the queue accepts any JSON object; the model checks it when it runs, so these errors
 * reach the caller as the request's result (422), not as a refused submit.
 */
import sharp from "sharp";
import { concreteAspectRatios, type FalVideoEndpoint } from "./endpoints";
import { modelError, type FieldError } from "./errors";

export interface GenerationPlan {
  prompt: string;
  seconds: number;
  width: number;
  height: number;
  aspectRatio: string;
  resolution: string;
  audio: boolean;
  /** A PNG of exactly width x height: the clip's opening frame. */
  firstFrame?: Buffer;
}

/** Reads an image input's bytes, or says why it cannot (never fetches a remote URL). */
export type ImageReader = (url: string, loc: (string | number)[]) => Promise<Buffer | FieldError>;

export type Input = Record<string, unknown>;

/** "'4s', '6s' or '8s'", as pydantic lists a Literal's values. */
export function expectedValues(values: readonly string[]): string {
  const quoted = values.map((value) => `'${value}'`);
  return quoted.length === 1
    ? (quoted[0] ?? "")
    : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

export const present = (input: Input, field: string) =>
  input[field] !== undefined && input[field] !== null;

export function literal(
  input: Input,
  field: string,
  values: readonly string[],
  fallback: string,
  errors: FieldError[],
): string {
  if (!present(input, field)) return fallback;
  const value = input[field];
  if (typeof value === "string" && values.includes(value)) return value;
  const expected = expectedValues(values);
  errors.push({
    type: "literal_error",
    loc: ["body", field],
    msg: `Input should be ${expected}`,
    input: value,
    ctx: { expected },
  });
  return fallback;
}

export function string(input: Input, field: string, errors: FieldError[]): string | undefined {
  if (!present(input, field)) return undefined;
  const value = input[field];
  if (typeof value === "string") return value;
  errors.push({
    type: "string_type",
    loc: ["body", field],
    msg: "Input should be a valid string",
    input: value,
  });
  return undefined;
}

export function boolean(
  input: Input,
  field: string,
  fallback: boolean,
  errors: FieldError[],
): boolean {
  if (!present(input, field)) return fallback;
  const value = input[field];
  if (typeof value === "boolean") return value;
  errors.push({
    type: "bool_type",
    loc: ["body", field],
    msg: "Input should be a valid boolean",
    input: value,
  });
  return fallback;
}

function prompt(endpoint: FalVideoEndpoint, input: Input, errors: FieldError[]): string {
  if (present(input, "multi_prompt")) {
    errors.push(
      modelError(
        "feature_not_supported",
        "multi_prompt is not supported by the provider emulator; send a single prompt.",
        ["body", "multi_prompt"],
        input.multi_prompt,
      ),
    );
    return "";
  }
  if (!present(input, "prompt")) {
    errors.push(
      endpoint.promptRequired
        ? { type: "missing", loc: ["body", "prompt"], msg: "Field required", input }
        : {
            type: "value_error",
            loc: ["body"],
            msg: "Value error, Either prompt or multi_prompt must be provided",
            input,
          },
    );
    return "";
  }
  const text = string(input, "prompt", errors) ?? "";
  const max = endpoint.maxPromptChars;
  if (max !== null && text.length > max) {
    errors.push({
      type: "string_too_long",
      loc: ["body", "prompt"],
      msg: `String should have at most ${max} characters`,
      input: text,
      ctx: { max_length: max },
    });
  }
  return text;
}

/** The concrete ratio closest to an image's shape ("auto" follows the first frame). */
function nearestRatio(ratios: readonly string[], width: number, height: number): string {
  const shape = Math.log(width / height);
  const distance = (ratio: string) => {
    const [w = 1, h = 1] = ratio.split(":").map(Number);
    return Math.abs(Math.log(w / h) - shape);
  };
  return [...ratios].sort((a, b) => distance(a) - distance(b))[0] ?? "16:9";
}

async function imageShape(bytes: Buffer, loc: (string | number)[]) {
  try {
    const { width, height } = await sharp(bytes).metadata();
    if (width && height) return { width, height };
  } catch {
    // reported below, as fal reports an unreadable image
  }
  return modelError(
    "image_load_error",
    "Failed to load the image. Please ensure the image file is not corrupted and is in a " +
      "supported format.",
    loc,
  );
}

/** The plan for a valid input, or every error fal would report for it. */
export async function planGeneration(
  endpoint: FalVideoEndpoint,
  input: Input,
  readImage: ImageReader,
): Promise<GenerationPlan | { errors: FieldError[] }> {
  const errors: FieldError[] = [];
  const text = prompt(endpoint, input, errors);
  const duration = literal(input, "duration", endpoint.durations, endpoint.defaultDuration, errors);
  const requestedRatio =
    endpoint.aspectRatios.length > 0
      ? literal(
          input,
          "aspect_ratio",
          endpoint.aspectRatios,
          endpoint.defaultAspectRatio ?? "16:9",
          errors,
        )
      : "auto";
  const resolution = endpoint.resolutionField
    ? literal(input, "resolution", endpoint.resolutions, endpoint.defaultResolution, errors)
    : endpoint.defaultResolution;
  const audio = boolean(input, "generate_audio", endpoint.audioByDefault, errors);
  const imageUrls = new Map<string, string>();
  for (const image of endpoint.images) {
    const url = string(input, image.field, errors);
    if (url !== undefined) imageUrls.set(image.field, url);
    else if (image.required && !present(input, image.field)) {
      errors.push({ type: "missing", loc: ["body", image.field], msg: "Field required", input });
    }
  }
  if (errors.length > 0) return { errors };

  // The model downloads and decodes every image it is given, the last frame included.
  const images = new Map<string, { bytes: Buffer; width: number; height: number }>();
  for (const [field, url] of imageUrls) {
    const loc = ["body", field];
    const bytes = await readImage(url, loc);
    if (!Buffer.isBuffer(bytes)) {
      errors.push(bytes);
      continue;
    }
    const shape = await imageShape(bytes, loc);
    if ("type" in shape) errors.push(shape);
    else images.set(field, { bytes, ...shape });
  }
  if (errors.length > 0) return { errors };

  const firstField = endpoint.images.find((image) => image.role === "first")?.field;
  const first = firstField === undefined ? undefined : images.get(firstField);
  const aspectRatio =
    requestedRatio !== "auto"
      ? requestedRatio
      : first
        ? nearestRatio(concreteAspectRatios(endpoint), first.width, first.height)
        : "16:9";
  const [width = 0, height = 0] = (endpoint.sizes[resolution]?.[aspectRatio] ?? "")
    .split("x")
    .map(Number);
  const firstFrame = first
    ? await sharp(first.bytes).rotate().resize(width, height, { fit: "cover" }).png().toBuffer()
    : undefined;
  return {
    prompt: text,
    seconds: Number.parseInt(duration, 10),
    width,
    height,
    aspectRatio,
    resolution,
    audio,
    firstFrame,
  };
}
