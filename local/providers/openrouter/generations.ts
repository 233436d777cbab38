/**
 * The text and image calls behind Takes' prompt and reference-image tools, as `@openrouter/sdk`
 * makes them:
 *
 * - `POST /api/v1/chat/completions` (`client.chat.send`): OpenAI-compatible; the last user message
 *   rewritten into a production video prompt by the OpenAI emulator's deterministic rewriter.
 * - `POST /api/v1/images` (`client.images.generate`): OpenRouter's image generation router; a PNG
 *   (or JPEG/WebP) of exactly `size`, or of `resolution` + `aspect_ratio`, as `data[].b64_json`.
 *
 * Any `author/slug` model id is served; `usage.cost` uses the emulator's prices (models.ts).
 */
import sharp from "sharp";
import { readFields, sendJson, type Route } from "../shared/http";
import { renderImage } from "../shared/image";
import { ideaOf, improvePrompt } from "../openai/responses";
import { badRequest, OpenRouterError } from "./errors";
import { generationId } from "./ids";
import { CHAT_PRICE_PER_TOKEN, IMAGE_PRICE } from "./models";

const MAX_IMAGES = 10;
const MIN_SIDE = 64;
const MAX_SIDE = 8192;
const MAX_PIXELS = 4096 * 4096;
/** The long side of each resolution tier. */
const TIERS: Record<string, number> = { "512": 512, "1K": 1024, "2K": 2048, "4K": 4096 };
const DEFAULT_TIER = "1K";
const OUTPUT_FORMATS = ["png", "jpeg", "webp"] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** OpenRouter model ids are `author/slug`; anything else is not one. */
function modelOf(value: unknown): string {
  if (typeof value !== "string" || value === "") throw badRequest("model is required.");
  if (!/^[\w.-]+\/[\w.:-]+$/.test(value)) throw badRequest(`${value} is not a valid model ID`);
  return value;
}

/** A rough token count (about four characters a token), for a plausible `usage`. */
const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

const usd = (value: number) => Math.round(value * 1e8) / 1e8;

function chatCompletion(fields: Record<string, unknown>) {
  const model = modelOf(fields.model);
  if (fields.stream === true) {
    throw badRequest("stream: the provider emulator answers chat completions unstreamed only.");
  }
  const modalities = fields.modalities;
  if (Array.isArray(modalities) && modalities.includes("image")) {
    throw new OpenRouterError(
      404,
      `No endpoints found that support the requested output modalities: ${modalities.join(", ")}. ` +
        "The provider emulator makes images through POST /api/v1/images.",
    );
  }
  if (!Array.isArray(fields.messages) || fields.messages.length === 0) {
    throw badRequest("messages must be a non-empty array.");
  }
  const idea = ideaOf(fields.messages);
  if (!idea) throw badRequest("messages hold no text to answer.");
  const text = improvePrompt(idea);
  const promptTokens = tokens(JSON.stringify(fields.messages));
  const completionTokens = tokens(text);
  return {
    id: generationId("gen"),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        finish_reason: "stop",
        logprobs: null,
        message: { role: "assistant", content: text, refusal: null, reasoning: null },
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      cost: usd(
        promptTokens * CHAT_PRICE_PER_TOKEN.prompt +
          completionTokens * CHAT_PRICE_PER_TOKEN.completion,
      ),
      is_byok: false,
    },
  };
}

/** "16:9", "2.35:1", "9:19.5" → width / height; "auto" is square. */
function ratioOf(aspectRatio: string): number {
  if (aspectRatio === "auto") return 1;
  const match = /^(\d+(?:\.\d+)?):(\d+(?:\.\d+)?)$/.exec(aspectRatio);
  const ratio = match ? Number(match[1]) / Number(match[2]) : NaN;
  if (!(ratio > 0) || !Number.isFinite(ratio)) {
    throw badRequest(`Invalid aspect_ratio ${aspectRatio}: expected W:H, e.g. 16:9.`);
  }
  return ratio;
}

const nearestTier = (longSide: number) =>
  Object.keys(TIERS).sort(
    (a, b) => Math.abs((TIERS[a] ?? 0) - longSide) - Math.abs((TIERS[b] ?? 0) - longSide),
  )[0];

function optionalString(fields: Record<string, unknown>, name: string): string | undefined {
  const value = fields[name];
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw badRequest(`${name} must be a string.`);
  return value;
}

/**
 * The image's pixels. An explicit `size` ("1280x720") is authoritative, and a `resolution` or
 * `aspect_ratio` that disagrees with it is refused; a tier (`size` "2K" or `resolution`) and an
 * aspect ratio give the long side and the shape.
 */
function dimensionsOf(fields: Record<string, unknown>): { width: number; height: number } {
  const size = optionalString(fields, "size");
  const resolution = optionalString(fields, "resolution");
  const aspectRatio = optionalString(fields, "aspect_ratio");
  const pixels = size === undefined ? null : /^(\d+)x(\d+)$/.exec(size);
  if (pixels) {
    const [width, height] = [Number(pixels[1]), Number(pixels[2])];
    const valid = (side: number) => side >= MIN_SIDE && side <= MAX_SIDE;
    if (!valid(width) || !valid(height) || width * height > MAX_PIXELS) {
      throw badRequest(
        `Invalid size ${size}: each side ${MIN_SIDE} to ${MAX_SIDE} pixels, at most ` +
          `${MAX_PIXELS} pixels in all.`,
      );
    }
    const ratioDiffers =
      aspectRatio !== undefined && Math.abs(width / height / ratioOf(aspectRatio) - 1) > 0.01;
    const tierDiffers =
      resolution !== undefined && nearestTier(Math.max(width, height)) !== resolution;
    if (ratioDiffers || tierDiffers) {
      throw badRequest(
        `size ${size} conflicts with the resolution or aspect_ratio also given: an explicit ` +
          "pixel size is authoritative, so send it alone.",
      );
    }
    return { width, height };
  }
  const tier = size ?? resolution ?? DEFAULT_TIER;
  const longSide = TIERS[tier];
  if (longSide === undefined) {
    throw badRequest(
      `Invalid ${size === undefined ? "resolution" : "size"} ${tier}: expected WIDTHxHEIGHT or ` +
        `one of ${Object.keys(TIERS).join(", ")}.`,
    );
  }
  const ratio = ratioOf(aspectRatio ?? "1:1");
  return ratio >= 1
    ? { width: longSide, height: Math.round(longSide / ratio) }
    : { width: Math.round(longSide * ratio), height: longSide };
}

function imageCount(raw: unknown): number {
  if (raw === undefined) return 1;
  if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1 || raw > MAX_IMAGES) {
    throw badRequest(`n must be an integer from 1 to ${MAX_IMAGES}.`);
  }
  return raw;
}

function outputFormatOf(raw: unknown): OutputFormat {
  if (raw === undefined) return "png";
  if (!OUTPUT_FORMATS.includes(raw as OutputFormat)) {
    throw badRequest(
      `output_format ${JSON.stringify(raw)}: this model makes ${OUTPUT_FORMATS.join(", ")}.`,
    );
  }
  return raw as OutputFormat;
}

async function imageGeneration(fields: Record<string, unknown>) {
  modelOf(fields.model);
  const prompt = fields.prompt;
  if (typeof prompt !== "string" || prompt.trim() === "") {
    throw badRequest("prompt is required: a non-empty string.");
  }
  if (fields.stream === true) {
    throw badRequest("stream: the provider emulator answers image generations unstreamed only.");
  }
  const { width, height } = dimensionsOf(fields);
  const n = imageCount(fields.n);
  const format = outputFormatOf(fields.output_format);
  const images = await Promise.all(
    Array.from({ length: n }, async (_, variant) => {
      const png = await renderImage(prompt, width, height, variant);
      return format === "png" ? png : sharp(png).toFormat(format).toBuffer();
    }),
  );
  const promptTokens = tokens(prompt);
  return {
    created: Math.floor(Date.now() / 1000),
    data: images.map((image) => ({
      b64_json: image.toString("base64"),
      media_type: `image/${format}`,
    })),
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: 0,
      total_tokens: promptTokens,
      cost: usd(n * IMAGE_PRICE),
      is_byok: false,
    },
  };
}

export function generationRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: /^\/api\/v1\/chat\/completions$/,
      async handle({ req, res }) {
        sendJson(res, 200, chatCompletion(await readFields(req)));
      },
    },
    {
      method: "POST",
      path: /^\/api\/v1\/images$/,
      async handle({ req, res }) {
        sendJson(res, 200, await imageGeneration(await readFields(req)));
      },
    },
  ];
}
