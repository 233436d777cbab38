/**
 * fal's FLUX.1 text-to-image endpoints: the input checked as the app's pydantic model checks it,
 * then drawn (shared/image.ts) at exactly the requested size, as PNG or JPEG, and answered as
 * `{images: [{url, width, height, content_type, file_name, file_size}], timings, seed,
 * has_nsfw_concepts, prompt}`.
 *
 * `image_size` is `Union[ImageSize, Literal[presets]]`: a bad value fails both members, and
 * pydantic reports both, each under its member's tag (`ImageSize`, `literal[...]`).
 */
import { randomInt } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import sharp from "sharp";
import { renderImage } from "../shared/image";
import {
  IMAGE_SIZE_PRESETS,
  MAX_IMAGE_SIDE,
  type FalImageEndpoint,
  type ImageSizePreset,
} from "./endpoints";
import { modelError, type FieldError } from "./errors";
import type { Planned, PublishedFile } from "./generation";
import { boolean, expectedValues, literal, present, string, type Input } from "./inputs";

/** Sides the emulator draws (the prompt must fit on the image); fal itself takes 1 to 14142. */
const MIN_DRAWN_SIDE = 128;
const MAX_DRAWN_SIDE = 4096;
/** A side `{width, height}` leaves out (the toolkit's ImageSize default). */
const DEFAULT_SIDE = 512;
const MAX_SEED = 2 ** 31;
const JPEG_QUALITY = 95;
const PRESETS = Object.keys(IMAGE_SIZE_PRESETS) as ImageSizePreset[];
/** How pydantic tags the Literal member of a union in an error's loc. */
const PRESET_TAG = `literal[${PRESETS.map((preset) => `'${preset}'`).join(",")}]`;

type Loc = (string | number)[];

interface Bounds {
  gt?: number;
  ge?: number;
  le?: number;
}

/** An integer within bounds, worded as pydantic words each failure; undefined when it fails. */
function integer(value: unknown, loc: Loc, bounds: Bounds, errors: FieldError[]) {
  const fail = (type: string, msg: string, ctx?: Record<string, unknown>) => {
    errors.push({ type, loc, msg, input: value, ...(ctx && { ctx }) });
    return undefined;
  };
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return fail("int_type", "Input should be a valid integer");
  }
  if (!Number.isInteger(value)) {
    return fail(
      "int_from_float",
      "Input should be a valid integer, got a number with a fractional part",
    );
  }
  const { gt, ge, le } = bounds;
  if (gt !== undefined && value <= gt) {
    return fail("greater_than", `Input should be greater than ${gt}`, { gt });
  }
  if (ge !== undefined && value < ge) {
    return fail("greater_than_equal", `Input should be greater than or equal to ${ge}`, { ge });
  }
  if (le !== undefined && value > le) {
    return fail("less_than_equal", `Input should be less than or equal to ${le}`, { le });
  }
  return value;
}

/** `image_size` as pixels: a preset, or `{width, height}`. */
function imageSize(endpoint: FalImageEndpoint, input: Input, errors: FieldError[]) {
  const value = present(input, "image_size") ? input.image_size : endpoint.defaultImageSize;
  if (typeof value === "string" && Object.hasOwn(IMAGE_SIZE_PRESETS, value)) {
    return IMAGE_SIZE_PRESETS[value as ImageSizePreset];
  }
  const loc = ["body", "image_size"];
  const memberErrors: FieldError[] = [];
  let size: { width: number; height: number } | undefined;
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const sides = value as Record<string, unknown>;
    const side = (name: "width" | "height") =>
      sides[name] === undefined
        ? DEFAULT_SIDE
        : integer(
            sides[name],
            [...loc, "ImageSize", name],
            { gt: 0, le: MAX_IMAGE_SIDE },
            memberErrors,
          );
    const [width, height] = [side("width"), side("height")];
    if (width !== undefined && height !== undefined) size = { width, height };
  } else {
    memberErrors.push({
      type: "model_type",
      loc: [...loc, "ImageSize"],
      msg: "Input should be a valid dictionary or instance of ImageSize",
      input: value,
      ctx: { class_name: "ImageSize" },
    });
  }
  if (size) return size;
  const expected = expectedValues(PRESETS);
  errors.push(...memberErrors, {
    type: "literal_error",
    loc: [...loc, PRESET_TAG],
    msg: `Input should be ${expected}`,
    input: value,
    ctx: { expected },
  });
  return undefined;
}

/** The file fields fal's `Image` carries, for a file on the CDN or inline. */
const imageFile = (file: PublishedFile, width: number, height: number) => ({
  url: file.url,
  width,
  height,
  content_type: file.contentType,
  file_name: file.name,
  file_size: file.size,
});

/** The images a valid input asks for, or every error fal would report for it. */
export function planImages(endpoint: FalImageEndpoint, input: Input): Planned {
  const errors: FieldError[] = [];
  const prompt = string(input, "prompt", errors);
  if (!present(input, "prompt")) {
    errors.push({ type: "missing", loc: ["body", "prompt"], msg: "Field required", input });
  }
  const size = imageSize(endpoint, input, errors);
  const count = present(input, "num_images")
    ? integer(input.num_images, ["body", "num_images"], { ge: 1, le: endpoint.maxImages }, errors)
    : 1;
  const format = literal(
    input,
    "output_format",
    endpoint.outputFormats,
    endpoint.defaultOutputFormat,
    errors,
  );
  const seed = present(input, "seed")
    ? integer(input.seed, ["body", "seed"], {}, errors)
    : randomInt(MAX_SEED);
  const inline = boolean(input, "sync_mode", false, errors);
  if (
    errors.length > 0 ||
    prompt === undefined ||
    size === undefined ||
    count === undefined ||
    seed === undefined
  ) {
    return { errors };
  }
  const { width, height } = size;
  if (Math.min(width, height) < MIN_DRAWN_SIDE || Math.max(width, height) > MAX_DRAWN_SIDE) {
    return {
      errors: [
        modelError(
          "feature_not_supported",
          `The provider emulator draws images from ${MIN_DRAWN_SIDE} to ${MAX_DRAWN_SIDE} ` +
            `pixels a side; got ${width}x${height}.`,
          ["body", "image_size"],
          input.image_size,
        ),
      ],
    };
  }

  const contentType = `image/${format}`;
  return {
    prompt,
    seconds: 0,
    logs: {
      started: `Generating ${count} ${width}x${height} ${format} image(s), seed ${seed}.`,
      completed: "Images generated.",
    },
    async run(dir) {
      const started = Date.now();
      const images = await Promise.all(
        Array.from({ length: count }, async (_, index) => {
          // The same seed and prompt draw the same image, as FLUX's do.
          const png = await renderImage(prompt, width, height, seed + index);
          const bytes =
            format === "png" ? png : await sharp(png).jpeg({ quality: JPEG_QUALITY }).toBuffer();
          const name = `image-${index}.${format}`;
          return { bytes, name, path: join(dir, name) };
        }),
      );
      const timings = { inference: (Date.now() - started) / 1000 };
      const result = (files: PublishedFile[]) => ({
        images: files.map((file) => imageFile(file, width, height)),
        timings,
        seed,
        has_nsfw_concepts: files.map(() => false),
        prompt,
      });
      if (inline) {
        // sync_mode: the images come back as data URIs, and nothing is kept on the CDN.
        const files = images.map(({ bytes, name }) => ({
          url: `data:${contentType};base64,${bytes.toString("base64")}`,
          name,
          contentType,
          size: bytes.length,
        }));
        return { files: [], result: () => result(files) };
      }
      await Promise.all(images.map(({ path, bytes }) => writeFile(path, bytes)));
      return { files: images.map(({ path, name }) => ({ path, name, contentType })), result };
    },
  };
}
