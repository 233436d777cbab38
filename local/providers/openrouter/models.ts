/**
 * The OpenRouter video models the emulator serves, and the emulator's prices for text and images:
 * one table, so the OpenRouter adapter's own declarations can be compared with it line by line.
 *
 * Source: OpenRouter's public listing `GET https://openrouter.ai/api/v1/videos/models` as captured
 * on 2026-10-09 (ids, canonical slugs, durations, resolutions, aspect ratios, sizes, frame images,
 * audio, seed, passthrough parameters and pricing SKUs, verbatim), checked on 2026-11-29 against
 * `@openrouter/sdk` 1.3.19's VideoModel type and OpenRouter's cookbook (docs repository,
 * cookbook/video-generation/choose-video-model.mdx: the lowest SKU prices of kling std 0.084,
 * kling pro 0.112, wan-2.6 0.04, wan-2.7 0.1, seedance-2.0 0.000007 per token). The capture has
 * no display names: `name` is the emulator's wording; `created` is the date in the canonical slug.
 * `defaults` is the emulator's choice for fields a request leaves out (OpenRouter documents none).
 */

export type FrameType = "first_frame" | "last_frame";
export type GenerationMode = "text_to_video" | "image_to_video";

/** One entry of `GET /api/v1/videos/models`, in the wire shape the SDK's VideoModel parses. */
export interface VideoModelListing {
  id: string;
  canonical_slug: string;
  name: string;
  created: number;
  supported_durations: number[] | null;
  supported_resolutions: string[] | null;
  supported_aspect_ratios: string[] | null;
  supported_sizes: string[] | null;
  supported_frame_images: FrameType[] | null;
  generate_audio: boolean | null;
  seed: boolean | null;
  upscale_factor: { min: number | null; max: number | null } | null;
  creativity: number[] | null;
  allowed_passthrough_parameters: string[];
  /** Prices in USD, as strings: per second of output, or per video token for Seedance. */
  pricing_skus: Record<string, string>;
}

export interface OpenRouterVideoModel {
  listing: Omit<VideoModelListing, "created" | "upscale_factor" | "creativity">;
  defaults: { duration: number; resolution: string; aspectRatio: string };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

const VEO_PASSTHROUGH = [
  "personGeneration",
  "aspectRatio",
  "negativePrompt",
  "conditioningScale",
  "enhancePrompt",
];
const KLING_SIZES = ["1280x720", "720x1280", "720x720"];
const SEEDANCE_SIZES = [
  ...["480x480", "480x640", "480x854", "640x480", "854x480", "1120x480"],
  ...["720x720", "720x960", "720x1280", "720x1680", "960x720", "1280x720", "1680x720"],
  ...["1080x1080", "1080x1440", "1080x1920", "1440x1080", "1920x1080", "2520x1080"],
  ...["3840x2160", "2160x3840", "2160x2160", "2880x2160", "2160x2880", "5040x2160"],
];

const veo = (
  id: string,
  date: string,
  name: string,
  resolutions: string[],
  sizes: string[],
  pricingSkus: Record<string, string>,
): OpenRouterVideoModel => ({
  listing: {
    id,
    canonical_slug: `${id}-${date}`,
    name,
    supported_durations: [4, 6, 8],
    supported_resolutions: resolutions,
    supported_aspect_ratios: ["16:9", "9:16"],
    supported_sizes: sizes,
    supported_frame_images: ["first_frame", "last_frame"],
    generate_audio: true,
    seed: true,
    allowed_passthrough_parameters: VEO_PASSTHROUGH,
    pricing_skus: pricingSkus,
  },
  defaults: { duration: 8, resolution: "720p", aspectRatio: "16:9" },
});

const kling = (
  tier: "pro" | "std",
  perSecond: string,
  withAudio: string,
): OpenRouterVideoModel => ({
  listing: {
    id: `kwaivgi/kling-v3.0-${tier}`,
    canonical_slug: `kwaivgi/kling-v3.0-${tier}-20260429`,
    name: `Kling: Video v3.0 ${tier === "pro" ? "Pro" : "Standard"}`,
    supported_durations: range(3, 15),
    supported_resolutions: ["720p"],
    supported_aspect_ratios: ["16:9", "9:16", "1:1"],
    supported_sizes: KLING_SIZES,
    supported_frame_images: ["first_frame", "last_frame"],
    generate_audio: true,
    seed: false,
    allowed_passthrough_parameters: ["negative_prompt", "cfg_scale"],
    pricing_skus: {
      duration_seconds: perSecond,
      duration_seconds_with_audio: withAudio,
      text_to_video_duration_seconds_480p: perSecond,
      text_to_video_duration_seconds_720p: perSecond,
      image_to_video_duration_seconds_720p: perSecond,
      text_to_video_duration_seconds_1080p: perSecond,
      image_to_video_duration_seconds_1080p: perSecond,
    },
  },
  defaults: { duration: 5, resolution: "720p", aspectRatio: "16:9" },
});

export const OPENROUTER_VIDEO_MODELS: readonly OpenRouterVideoModel[] = [
  veo(
    "google/veo-3.1",
    "20260320",
    "Google: Veo 3.1",
    ["720p", "1080p", "4K"],
    ["1280x720", "1080x1920", "1920x1080", "720x1280", "3840x2160", "2160x3840"],
    {
      duration_seconds_with_audio: "0.40",
      duration_seconds_with_audio_4k: "0.60",
      duration_seconds_without_audio: "0.20",
      duration_seconds_without_audio_4k: "0.40",
    },
  ),
  veo(
    "google/veo-3.1-fast",
    "20260320",
    "Google: Veo 3.1 Fast",
    ["720p", "1080p", "4K"],
    ["1280x720", "1080x1920", "1920x1080", "720x1280", "3840x2160", "2160x3840"],
    {
      duration_seconds_with_audio: "0.12",
      duration_seconds_with_audio_4k: "0.30",
      duration_seconds_without_audio: "0.10",
      duration_seconds_with_audio_720p: "0.10",
      duration_seconds_without_audio_4k: "0.25",
      duration_seconds_without_audio_720p: "0.08",
    },
  ),
  veo(
    "google/veo-3.1-lite",
    "20260331",
    "Google: Veo 3.1 Lite",
    ["720p", "1080p"],
    ["1280x720", "720x1280", "1920x1080", "1080x1920"],
    {
      duration_seconds_with_audio: "0.08",
      duration_seconds_without_audio: "0.05",
      duration_seconds_with_audio_720p: "0.05",
      duration_seconds_without_audio_720p: "0.03",
    },
  ),
  kling("pro", "0.112", "0.168"),
  kling("std", "0.084", "0.126"),
  {
    listing: {
      id: "bytedance/seedance-2.0",
      canonical_slug: "bytedance/seedance-2.0-20260414",
      name: "ByteDance: Seedance 2.0",
      supported_durations: range(4, 15),
      supported_resolutions: ["480p", "720p", "1080p", "4K"],
      supported_aspect_ratios: ["1:1", "3:4", "9:16", "4:3", "16:9", "21:9", "9:21"],
      supported_sizes: SEEDANCE_SIZES,
      supported_frame_images: ["first_frame", "last_frame"],
      generate_audio: true,
      seed: true,
      allowed_passthrough_parameters: ["watermark", "req_key"],
      pricing_skus: {
        video_tokens: "0.000007",
        video_tokens_4k: "0.000004",
        video_tokens_1080p: "0.0000077",
        video_tokens_without_audio: "0.000007",
        video_tokens_with_video_input: "0.0000043",
        video_tokens_4k_with_video_input: "0.0000024",
        video_tokens_1080p_with_video_input: "0.0000047",
      },
    },
    defaults: { duration: 5, resolution: "720p", aspectRatio: "16:9" },
  },
  {
    listing: {
      id: "minimax/hailuo-2.3",
      canonical_slug: "minimax/hailuo-2.3-20260420",
      name: "MiniMax: Hailuo 2.3",
      supported_durations: [6, 10],
      supported_resolutions: ["1080p"],
      supported_aspect_ratios: ["16:9"],
      supported_sizes: ["1920x1080"],
      supported_frame_images: ["first_frame"],
      generate_audio: false,
      seed: null,
      allowed_passthrough_parameters: ["prompt_optimizer", "fast_pretreatment"],
      pricing_skus: { duration_seconds: "0.0817" },
    },
    defaults: { duration: 6, resolution: "1080p", aspectRatio: "16:9" },
  },
  {
    listing: {
      id: "alibaba/wan-2.7",
      canonical_slug: "alibaba/wan-2.7-20260414",
      name: "Alibaba: Wan 2.7",
      supported_durations: range(2, 10),
      supported_resolutions: ["720p", "1080p"],
      supported_aspect_ratios: ["16:9", "9:16", "1:1", "4:3", "3:4"],
      supported_sizes: [
        ...["1280x720", "720x1280", "1920x1080", "1080x1920", "720x720"],
        ...["1080x1080", "960x720", "720x960", "1440x1080", "1080x1440"],
      ],
      supported_frame_images: ["first_frame", "last_frame"],
      generate_audio: true,
      seed: true,
      allowed_passthrough_parameters: [
        ...["negative_prompt", "prompt_extend", "audio", "ratio"],
        ...["last_image", "video", "videos", "images"],
      ],
      pricing_skus: { duration_seconds: "0.1" },
    },
    defaults: { duration: 5, resolution: "720p", aspectRatio: "16:9" },
  },
  {
    listing: {
      id: "alibaba/wan-2.6",
      canonical_slug: "alibaba/wan-2.6-20260327",
      name: "Alibaba: Wan 2.6",
      supported_durations: [5, 10],
      supported_resolutions: ["720p", "1080p"],
      supported_aspect_ratios: ["16:9", "9:16"],
      supported_sizes: ["1280x720", "1080x1920", "720x1280", "1920x1080"],
      supported_frame_images: ["first_frame"],
      generate_audio: true,
      seed: true,
      allowed_passthrough_parameters: [
        ...["negative_prompt", "enable_prompt_expansion", "shot_type", "audio", "size"],
      ],
      pricing_skus: {
        text_to_video_duration_seconds_480p: "0.04",
        text_to_video_duration_seconds_720p: "0.08",
        image_to_video_duration_seconds_720p: "0.10",
        text_to_video_duration_seconds_1080p: "0.12",
        image_to_video_duration_seconds_1080p: "0.15",
      },
    },
    defaults: { duration: 5, resolution: "720p", aspectRatio: "16:9" },
  },
];

export const videoModelNamed = (id: string): OpenRouterVideoModel | undefined =>
  OPENROUTER_VIDEO_MODELS.find((model) => model.listing.id === id);

/** "…-20260320" → that day at 00:00 UTC, in unix seconds. */
function createdFromSlug(slug: string): number {
  const [, year, month, day] = /-(\d{4})(\d{2})(\d{2})$/.exec(slug) ?? [];
  return Date.UTC(Number(year), Number(month) - 1, Number(day)) / 1000;
}

/** The listing as `GET /api/v1/videos/models` answers it. */
export const videoModelListings = (): { data: VideoModelListing[] } => ({
  data: OPENROUTER_VIDEO_MODELS.map(({ listing }) => ({
    ...listing,
    created: createdFromSlug(listing.canonical_slug),
    upscale_factor: null,
    creativity: null,
  })),
});

/**
 * The pixel size each resolution tier and aspect ratio stands for (a model's `supported_sizes`
 * says which of them it makes), as the sizes in OpenRouter's listing pair up.
 */
const SIZES_BY_RESOLUTION: Record<string, Record<string, string>> = {
  "480p": {
    "16:9": "854x480",
    "9:16": "480x854",
    "1:1": "480x480",
    "4:3": "640x480",
    "3:4": "480x640",
    "21:9": "1120x480",
    "9:21": "480x1120",
  },
  "720p": {
    "16:9": "1280x720",
    "9:16": "720x1280",
    "1:1": "720x720",
    "4:3": "960x720",
    "3:4": "720x960",
    "21:9": "1680x720",
    "9:21": "720x1680",
  },
  "1080p": {
    "16:9": "1920x1080",
    "9:16": "1080x1920",
    "1:1": "1080x1080",
    "4:3": "1440x1080",
    "3:4": "1080x1440",
    "21:9": "2520x1080",
    "9:21": "1080x2520",
  },
  "4K": {
    "16:9": "3840x2160",
    "9:16": "2160x3840",
    "1:1": "2160x2160",
    "4:3": "2880x2160",
    "3:4": "2160x2880",
    "21:9": "5040x2160",
    "9:21": "2160x5040",
  },
};

export const sizeFor = (resolution: string, aspectRatio: string): string | undefined =>
  SIZES_BY_RESOLUTION[resolution]?.[aspectRatio];

/** The resolution tier and aspect ratio a pixel size stands for. */
export function shapeOf(size: string): { resolution: string; aspectRatio: string } | undefined {
  for (const [resolution, sizes] of Object.entries(SIZES_BY_RESOLUTION)) {
    const aspectRatio = Object.keys(sizes).find((ratio) => sizes[ratio] === size);
    if (aspectRatio) return { resolution, aspectRatio };
  }
  return undefined;
}

export interface PricedVideo {
  seconds: number;
  width: number;
  height: number;
  resolution: string;
  audio: boolean;
  mode: GenerationMode;
}

/** Seedance bills video tokens: width x height x 24 fps x seconds / 1024. */
const videoTokens = ({ width, height, seconds }: PricedVideo) =>
  (width * height * 24 * seconds) / 1024;

/**
 * What a video costs in USD, from the model's pricing SKUs: the most specific per-second SKU
 * (sound and resolution, then sound, then mode and resolution, then resolution, then the plain
 * one), else the per-token SKU. Seedance's 2.268 USD for 15 s of 720p matches a live job.
 */
export function videoCost(model: OpenRouterVideoModel, video: PricedVideo): number {
  const skus = model.listing.pricing_skus;
  const tier = video.resolution.toLowerCase();
  const sound = video.audio ? "with_audio" : "without_audio";
  const price = (keys: string[]) => {
    const key = keys.find((candidate) => skus[candidate] !== undefined);
    return key === undefined ? undefined : Number(skus[key]);
  };
  const perSecond = price([
    `duration_seconds_${sound}_${tier}`,
    `duration_seconds_${sound}`,
    `${video.mode}_duration_seconds_${tier}`,
    `duration_seconds_${tier}`,
    "duration_seconds",
  ]);
  const perToken = price([
    `video_tokens_${tier}`,
    ...(video.audio ? [] : ["video_tokens_without_audio"]),
    "video_tokens",
  ]);
  const cost =
    perSecond !== undefined ? perSecond * video.seconds : (perToken ?? 0) * videoTokens(video);
  return Math.round(cost * 1e6) / 1e6;
}

/**
 * Emulator figures, not OpenRouter's: chat models are priced per token and image models per
 * image, whatever the model id, so `usage.cost` is plausible and budgets can be exercised.
 */
export const CHAT_PRICE_PER_TOKEN = { prompt: 0.25 / 1e6, completion: 2 / 1e6 };
export const IMAGE_PRICE = 0.04;
