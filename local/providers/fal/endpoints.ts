/**
 * The fal endpoints the emulator serves, as fal declares them, in two tables: video endpoints
 * (what each accepts: durations, aspect ratios, resolutions, image inputs, and the pixel size each
 * aspect ratio and resolution renders at) and image endpoints (sizes, count, formats). The
 * adapter's model declarations can be checked against them.
 *
 * Source: the input types `@fal-ai/client` 1.10.1 ships (src/types/endpoints.d.ts, generated from
 * fal's OpenAPI schemas): Veo31Input = veo3Input, Veo31ImageToVideoInput = Veo3ImageToVideoInput,
 * Veo31FirstLastFrameToVideoInput, KlingVideoV3ProTextToVideoInput / ImageToVideoInput (the
 * standard tier shares them). Kling v3 has no resolution field: fal's model pages describe Pro
 * as 1080p and Standard as 720p, which is what the emulator renders.
 */

/** Where each image input goes in the clip. */
export type ImageRole = "first" | "last";

export interface ImageInput {
  field: string;
  required: boolean;
  role: ImageRole;
}

export interface FalVideoEndpoint {
  /** The endpoint id the client submits to ("owner/app[/path]"). */
  id: string;
  /** `duration` values as the API spells them; the seconds are their leading number. */
  durations: readonly string[];
  defaultDuration: string;
  /**
   * `aspect_ratio` values. "auto" follows the first frame's orientation. Empty when the endpoint
   * has no aspect_ratio field (Kling image-to-video takes the start image's shape).
   */
  aspectRatios: readonly string[];
  defaultAspectRatio: string | null;
  /** `resolution` values; when `resolutionField` is false the one value is fixed, not a field. */
  resolutions: readonly string[];
  resolutionField: boolean;
  defaultResolution: string;
  images: readonly ImageInput[];
  /** `generate_audio`'s default (the price doubles with sound on Veo). */
  audioByDefault: boolean;
  /** Kling takes `prompt` or `multi_prompt`; Veo requires `prompt`. */
  promptRequired: boolean;
  maxPromptChars: number | null;
  /** "WIDTHxHEIGHT" for every resolution and concrete aspect ratio. */
  sizes: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The shapes every fal video endpoint here renders at, by resolution and aspect ratio. */
const PIXELS: Record<string, Record<string, string>> = {
  "720p": { "16:9": "1280x720", "9:16": "720x1280", "1:1": "720x720" },
  "1080p": { "16:9": "1920x1080", "9:16": "1080x1920", "1:1": "1080x1080" },
  "4k": { "16:9": "3840x2160", "9:16": "2160x3840", "1:1": "2160x2160" },
};

/** Concrete aspect ratios an endpoint can produce ("auto" resolves to one of these). */
export const concreteAspectRatios = (endpoint: FalVideoEndpoint): string[] => {
  const declared = endpoint.aspectRatios.filter((ratio) => ratio !== "auto");
  return declared.length > 0 ? declared : ["16:9", "9:16", "1:1"];
};

type EndpointDeclaration = Omit<FalVideoEndpoint, "sizes">;

function withSizes(declaration: EndpointDeclaration): FalVideoEndpoint {
  const ratios = concreteAspectRatios({ ...declaration, sizes: {} });
  const sizes = Object.fromEntries(
    declaration.resolutions.map((resolution) => [
      resolution,
      Object.fromEntries(ratios.map((ratio) => [ratio, PIXELS[resolution]?.[ratio] ?? ""])),
    ]),
  );
  return { ...declaration, sizes };
}

const VEO_DURATIONS = ["4s", "6s", "8s"] as const;
const KLING_DURATIONS = ["3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15"];
/** Kling's own guidance; over it fal answers 422 (seen live, TanStack/ai#396). */
const KLING_MAX_PROMPT_CHARS = 2500;

const veoTextToVideo = (id: string) =>
  withSizes({
    id,
    durations: VEO_DURATIONS,
    defaultDuration: "8s",
    aspectRatios: ["16:9", "9:16"],
    defaultAspectRatio: "16:9",
    resolutions: ["720p", "1080p"],
    resolutionField: true,
    defaultResolution: "720p",
    images: [],
    audioByDefault: true,
    promptRequired: true,
    maxPromptChars: null,
  });

const veoImageToVideo = (id: string) =>
  withSizes({
    ...veoTextToVideo(id),
    aspectRatios: ["auto", "16:9", "9:16"],
    defaultAspectRatio: "auto",
    images: [{ field: "image_url", required: true, role: "first" }],
  });

const veoFirstLastFrame = (id: string) =>
  withSizes({
    ...veoImageToVideo(id),
    resolutions: ["720p", "1080p", "4k"],
    images: [
      { field: "first_frame_url", required: true, role: "first" },
      { field: "last_frame_url", required: true, role: "last" },
    ],
  });

const klingTextToVideo = (id: string, resolution: "720p" | "1080p") =>
  withSizes({
    id,
    durations: KLING_DURATIONS,
    defaultDuration: "5",
    aspectRatios: ["16:9", "9:16", "1:1"],
    defaultAspectRatio: "16:9",
    resolutions: [resolution],
    resolutionField: false,
    defaultResolution: resolution,
    images: [],
    audioByDefault: true,
    promptRequired: false,
    maxPromptChars: KLING_MAX_PROMPT_CHARS,
  });

const klingImageToVideo = (id: string, resolution: "720p" | "1080p") =>
  withSizes({
    ...klingTextToVideo(id, resolution),
    aspectRatios: [],
    defaultAspectRatio: null,
    images: [
      { field: "start_image_url", required: true, role: "first" },
      { field: "end_image_url", required: false, role: "last" },
    ],
  });

export const FAL_VIDEO_ENDPOINTS: readonly FalVideoEndpoint[] = [
  veoTextToVideo("fal-ai/veo3.1"),
  veoImageToVideo("fal-ai/veo3.1/image-to-video"),
  veoFirstLastFrame("fal-ai/veo3.1/first-last-frame-to-video"),
  veoTextToVideo("fal-ai/veo3.1/fast"),
  veoImageToVideo("fal-ai/veo3.1/fast/image-to-video"),
  veoFirstLastFrame("fal-ai/veo3.1/fast/first-last-frame-to-video"),
  klingTextToVideo("fal-ai/kling-video/v3/pro/text-to-video", "1080p"),
  klingImageToVideo("fal-ai/kling-video/v3/pro/image-to-video", "1080p"),
  klingTextToVideo("fal-ai/kling-video/v3/standard/text-to-video", "720p"),
  klingImageToVideo("fal-ai/kling-video/v3/standard/image-to-video", "720p"),
];

export const endpointNamed = (id: string): FalVideoEndpoint | undefined =>
  FAL_VIDEO_ENDPOINTS.find((endpoint) => endpoint.id === id);

/**
 * A FLUX.1 text-to-image endpoint. Its input (FluxDevInput in `@fal-ai/client` 1.10.1; schnell
 * shares it) takes `image_size` as a preset name or `{width, height}`, `num_images`,
 * `output_format` ("jpeg" unless asked), `seed` and `sync_mode`; the rest (steps, guidance,
 * acceleration, safety checker) is accepted and changes nothing here.
 */
export interface FalImageEndpoint {
  id: string;
  defaultImageSize: ImageSizePreset;
  maxImages: number;
  outputFormats: readonly string[];
  defaultOutputFormat: string;
}

/** fal's `image_size` presets, as its toolkit defines them (fal.toolkit.image.ImageSize). */
export const IMAGE_SIZE_PRESETS = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
} as const;

export type ImageSizePreset = keyof typeof IMAGE_SIZE_PRESETS;

/** A custom side: more than 0 and at most this (the toolkit's `gt=0, le=14142`). */
export const MAX_IMAGE_SIDE = 14142;

const flux = (id: string): FalImageEndpoint => ({
  id,
  defaultImageSize: "landscape_4_3",
  maxImages: 4,
  outputFormats: ["jpeg", "png"],
  defaultOutputFormat: "jpeg",
});

export const FAL_IMAGE_ENDPOINTS: readonly FalImageEndpoint[] = [
  flux("fal-ai/flux/dev"),
  flux("fal-ai/flux/schnell"),
];

export const imageEndpointNamed = (id: string): FalImageEndpoint | undefined =>
  FAL_IMAGE_ENDPOINTS.find((endpoint) => endpoint.id === id);
