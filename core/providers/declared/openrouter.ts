/**
 * OpenRouter without its SDK (the adapter, core/providers/openrouter.ts, calls OpenRouter): its
 * models and prices, read from the listing snapshot (openrouter-models.json), its keys' format, and
 * its webhooks' signatures.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { TakesError } from "../../errors";
import { configuredSecret } from "../../secrets";
import { declareProvider, type VideoModel } from "../contract";
import snapshot from "../openrouter-models.json";
import { parseWebhookJson } from "../webhook-signatures";

/** A model in OpenRouter's listing, with the fields Takes reads, as the API spells them. */
interface ListedModel {
  id: string;
  name: string;
  supported_durations?: number[] | null;
  supported_sizes?: string[] | null;
  supported_frame_images?: string[] | null;
  generate_audio?: boolean | null;
  pricing_skus?: Record<string, string | undefined> | null;
}

/** The snapshot's listing, as OpenRouter answered it. */
const LISTED: readonly ListedModel[] = snapshot.listing.data;

/** "1920x1080" → "1080p"; 4K sizes are "4k" in the SKUs. */
function tierOf(size: string): string {
  const [width = 0, height = 0] = size.split("x").map(Number);
  const short = Math.min(width, height);
  return short >= 2160 ? "4k" : `${short}p`;
}

/**
 * USD per second for one size and sound, from the listing's pricing SKUs: the most specific
 * per-second SKU (sound and resolution, then sound, then text-to-video at the resolution, then the
 * resolution, then the plain one), else a per-video-token SKU (Seedance: a token is 1/1024 of a
 * 24 fps frame's pixels). Undefined when none applies.
 */
export function usdPerSecond(
  skus: Record<string, string | undefined> | undefined,
  video: { size: string; sound: boolean; mode?: "text_to_video" | "image_to_video" },
): number | undefined {
  if (!skus) return undefined;
  const tier = tierOf(video.size);
  const sound = video.sound ? "with_audio" : "without_audio";
  const first = (keys: string[]) => {
    const key = keys.find((candidate) => skus[candidate] !== undefined);
    return key === undefined ? undefined : Number(skus[key]);
  };
  const perSecond = first([
    `duration_seconds_${sound}_${tier}`,
    `duration_seconds_${sound}`,
    `${video.mode ?? "text_to_video"}_duration_seconds_${tier}`,
    `duration_seconds_${tier}`,
    "duration_seconds",
  ]);
  if (perSecond !== undefined) return perSecond;
  const perToken = first([
    `video_tokens_${tier}`,
    ...(video.sound ? [] : ["video_tokens_without_audio"]),
    "video_tokens",
  ]);
  const [width = 0, height = 0] = video.size.split("x").map(Number);
  return perToken === undefined ? undefined : (perToken * width * height * 24) / 1024;
}

function declared(listed: ListedModel): VideoModel {
  const sizes = listed.supported_sizes ?? [];
  const frames = listed.supported_frame_images ?? [];
  const sounds = listed.generate_audio ? [true, false] : [false];
  const rules = sizes.flatMap((size) =>
    sounds.flatMap((sound) => {
      const usd = usdPerSecond(listed.pricing_skus ?? undefined, { size, sound });
      return usd === undefined
        ? []
        : [
            {
              usd: Math.round(usd * 10_000) / 10_000,
              sizes: [size],
              ...(listed.generate_audio && { sound }),
            },
          ];
    }),
  );
  return {
    id: listed.id,
    label: listed.name,
    seconds: listed.supported_durations ?? [],
    sizes,
    images: {
      firstFrame: frames.includes("first_frame"),
      lastFrame: frames.includes("last_frame"),
    },
    sound: listed.generate_audio ? "optional" : "never",
    remix: false,
    ...(rules.length > 0 && {
      price: {
        perSecond: rules,
        source: "OpenRouter's model listing",
        checked: snapshot.fetchedAt.slice(0, 10),
      },
    }),
    typicalTime: { base: 45, perOutputSecond: 10 },
  };
}

/** OpenRouter's callbacks: older than this (or from the future) are refused as replays. */
const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** The operator's webhook signing secret, or undefined when webhooks are not set up. */
export const webhookSecret = () => configuredSecret("OpenRouterWebhookSecret");

const invalidSignature = (message: string) =>
  new TakesError(401, "invalid_signature", `The webhook signature is not valid: ${message}`);

export const openrouterDeclared = declareProvider({
  name: "openrouter",
  label: "OpenRouter",
  models: LISTED.map(declared),
  variants: ["video"],
  reportsProgress: false,
  operatorSecret: "OpenRouterKey",
  ownsKey: (credential) => /^sk-or-v1-[0-9a-f]{16,128}$/i.test(credential),
  offers: ["writeText", "drawImage"],

  // `X-OpenRouter-Signature: t=<ts>,v1=<hex HMAC-SHA256 of "<ts>,<raw body>">`.
  async acceptWebhook(delivery, now) {
    const secret = webhookSecret();
    if (!secret) throw invalidSignature("this Takes has no OpenRouter webhook secret.");
    const header = delivery.headers["x-openrouter-signature"] ?? "";
    const parts = Object.fromEntries(
      header.split(",").map((part) => part.trim().split("=") as [string, string]),
    );
    const timestamp = parts.t ?? "";
    if (!/^\d{1,12}$/.test(timestamp) || !parts.v1)
      throw invalidSignature("the header is malformed.");
    if (Math.abs(now / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
      throw invalidSignature("the timestamp is too far from now.");
    }
    const expected = createHmac("sha256", secret)
      .update(`${timestamp},`)
      .update(delivery.body)
      .digest();
    const given = Buffer.from(parts.v1, "hex");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw invalidSignature("no signature matches.");
    }
    const event = parseWebhookJson(delivery) as { data?: { id?: unknown; status?: unknown } };
    const finished = ["completed", "failed", "cancelled", "expired"].includes(
      String(event.data?.status),
    );
    return finished && typeof event.data?.id === "string" ? event.data.id : undefined;
  },
});
