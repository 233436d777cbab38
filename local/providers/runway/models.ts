/**
 * The Runway models the emulator serves and what each takes: one table for video, one for image,
 * so the Runway adapter's own declarations can be compared with them line by line.
 *
 * Sources: `@runwayml/sdk` 4.20.1's request types (TextToVideoCreateParams,
 * ImageToVideoCreateParams, TextToImageCreateParams) for durations, ratios, keyframes and
 * reference images, and the credit figures noted in docs/notes/providers.md (1 credit = $0.01).
 * Where the SDK allows more than the emulator serves, the table declares a subset and says so.
 */

export type Endpoint = "text_to_video" | "image_to_video";
export type FramePosition = "first" | "last";

export interface RunwayVideoModel {
  /** Whole seconds the model takes. */
  durations: readonly number[];
  /** What a request without `duration` gets; null where Runway requires the field. */
  defaultDuration: number | null;
  /** Output sizes as Runway writes them (`width:height`) per endpoint; a missing one is not offered. */
  ratios: Partial<Record<Endpoint, readonly string[]>>;
  /** What a request without `ratio` gets; null where Runway requires the field. */
  defaultRatio: string | null;
  /** The keyframe positions `promptImage` may name (image_to_video). */
  frames: readonly FramePosition[];
  /** Whether `audio` is accepted, and what leaving it out means; null when the model has none. */
  defaultAudio: boolean | null;
  /** Price in credits per second of output, without and with audio. */
  creditsPerSecond: { silent: number; audio: number };
  /** `promptText` limit, in UTF-16 code units. */
  maxPromptChars: number;
  /** Endpoints on which `promptText` may be left out (it is required everywhere else). */
  promptOptionalOn: readonly Endpoint[];
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => from + index);

const VEO_RATIOS = ["1280:720", "720:1280", "1920:1080", "1080:1920"] as const;
const GEN4_IMAGE_RATIOS = [
  "1280:720",
  "720:1280",
  "1104:832",
  "960:960",
  "832:1104",
  "1584:672",
] as const;

/** Veo 3.1 and its Fast tier: the same request shape, different credits. */
const veo = (creditsPerSecond: RunwayVideoModel["creditsPerSecond"]): RunwayVideoModel => ({
  durations: [4, 6, 8],
  defaultDuration: 8,
  ratios: { text_to_video: VEO_RATIOS, image_to_video: VEO_RATIOS },
  defaultRatio: null,
  frames: ["first", "last"],
  // Veo makes sound unless told not to (unverified for Runway: send `audio` explicitly).
  defaultAudio: true,
  creditsPerSecond,
  maxPromptChars: 1000,
  promptOptionalOn: ["image_to_video"],
});

export const RUNWAY_MODELS = {
  "gen4.5": {
    durations: range(2, 10),
    defaultDuration: null,
    ratios: { text_to_video: ["1280:720", "720:1280"], image_to_video: GEN4_IMAGE_RATIOS },
    defaultRatio: null,
    frames: ["first"],
    defaultAudio: null,
    creditsPerSecond: { silent: 12, audio: 12 },
    maxPromptChars: 1000,
    promptOptionalOn: [],
  },
  gen4_turbo: {
    durations: [5, 10],
    // Runway's documented default for gen4_turbo.
    defaultDuration: 10,
    ratios: { image_to_video: GEN4_IMAGE_RATIOS },
    defaultRatio: null,
    frames: ["first"],
    defaultAudio: null,
    creditsPerSecond: { silent: 5, audio: 5 },
    maxPromptChars: 1000,
    promptOptionalOn: ["image_to_video"],
  },
  "veo3.1": veo({ silent: 20, audio: 40 }),
  // 3rd-party figures (docs/notes/providers.md), not Runway's own page.
  "veo3.1_fast": veo({ silent: 10, audio: 15 }),
  seedance2: {
    // A declared subset: the SDK takes any whole number or "auto", 24 ratios up to 4K, and up
    // to 9 reference images; the emulator serves 5 or 10 s, five ratios and keyframes only.
    durations: [5, 10],
    defaultDuration: 5,
    ratios: {
      text_to_video: ["1280:720", "720:1280", "960:960", "1920:1080", "1080:1920"],
      image_to_video: ["1280:720", "720:1280", "960:960", "1920:1080", "1080:1920"],
    },
    defaultRatio: "1280:720",
    frames: ["first", "last"],
    defaultAudio: false,
    // An emulator figure, not Runway's price (unpublished when this was written).
    creditsPerSecond: { silent: 20, audio: 20 },
    maxPromptChars: 3500,
    promptOptionalOn: ["image_to_video"],
  },
} as const satisfies Record<string, RunwayVideoModel>;

export type RunwayModelName = keyof typeof RUNWAY_MODELS;

export interface RunwayImageModel {
  /** Output sizes as Runway writes them (`width:height`): each is the image's exact size. */
  ratios: readonly string[];
  /** Credits per image: a short side up to 720 px is Runway's 720p tier, anything larger 1080p. */
  credits: { upTo720p: number; above720p: number };
  maxPromptChars: number;
  maxReferenceImages: number;
}

/** The largest short side Runway prices as 720p. */
const SHORT_SIDE_720P = 720;

/** Text to image (`POST /v1/text_to_image`). */
export const RUNWAY_IMAGE_MODELS = {
  gen4_image: {
    // Every ratio TextToImageCreateParams.Gen4Image declares (960:960 is not among them).
    ratios: [
      "1024:1024",
      "1080:1080",
      "1168:880",
      "1360:768",
      "1440:1080",
      "1080:1440",
      "1808:768",
      "1920:1080",
      "1080:1920",
      "2112:912",
      "1280:720",
      "720:1280",
      "720:720",
      "960:720",
      "720:960",
      "1680:720",
    ],
    // 3rd-party figures (inference.sh's gen-4-image page, 2026-08: 5 credits at 720p, 8 at
    // 1080p), not Runway's own page.
    credits: { upTo720p: 5, above720p: 8 },
    maxPromptChars: 1000,
    maxReferenceImages: 3,
  },
} as const satisfies Record<string, RunwayImageModel>;

export type RunwayImageModelName = keyof typeof RUNWAY_IMAGE_MODELS;

export const imageModelNamed = (name: string): RunwayImageModel | undefined =>
  Object.hasOwn(RUNWAY_IMAGE_MODELS, name)
    ? RUNWAY_IMAGE_MODELS[name as RunwayImageModelName]
    : undefined;

/** Every model a key's organisation reports on, video and image. */
export const ALL_MODEL_NAMES = [...Object.keys(RUNWAY_MODELS), ...Object.keys(RUNWAY_IMAGE_MODELS)];

export const modelNamed = (name: string): RunwayVideoModel | undefined =>
  Object.hasOwn(RUNWAY_MODELS, name) ? RUNWAY_MODELS[name as RunwayModelName] : undefined;

export const modelsOn = (endpoint: Endpoint): string[] =>
  Object.entries(RUNWAY_MODELS)
    .filter(([, model]) => endpoint in model.ratios)
    .map(([name]) => name);

/** "1280:720" → 1280 x 720: a Runway ratio is the output's exact size in pixels. */
export function ratioSize(ratio: string): { width: number; height: number } {
  const [width = 0, height = 0] = ratio.split(":").map(Number);
  return { width, height };
}

/** What a task of this model, length and sound costs, in credits. */
export const creditsFor = (model: RunwayVideoModel, seconds: number, audio: boolean) =>
  seconds * (audio ? model.creditsPerSecond.audio : model.creditsPerSecond.silent);

/** What one image of this model and ratio costs, in credits. */
export function imageCreditsFor(model: RunwayImageModel, ratio: string): number {
  const { width, height } = ratioSize(ratio);
  return Math.min(width, height) <= SHORT_SIDE_720P
    ? model.credits.upTo720p
    : model.credits.above720p;
}
