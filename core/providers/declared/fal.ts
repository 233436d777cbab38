/**
 * fal without its client (the adapter, core/providers/fal.ts, calls fal): its models and where
 * their endpoints are, its keys' format, and its webhooks' signatures. TAKES_FAL_URL (the local
 * stack's emulator) serves fal's hosts as paths (/queue, /run, /rest).
 */
import {
  createHash,
  createPublicKey,
  verify as verifySignature,
  type KeyObject,
} from "node:crypto";
import { TakesError } from "../../errors";
import { declareProvider, pricedBySound, type VideoModel } from "../contract";
import { parseWebhookJson } from "../webhook-signatures";
import { VEO_3_1 } from "./veo";

/** The hosts fal's client calls, and the path each has under a base URL that stands in for fal. */
const FAL_HOSTS: Record<string, string> = {
  "queue.fal.run": "/queue",
  "fal.run": "/run",
  "rest.fal.ai": "/rest",
  "rest.alpha.fal.ai": "/rest",
};

/** `url` moved under `baseUrl` when it is on one of fal's hosts; any other URL as it was. */
export function falUrlUnder(baseUrl: string, url: string): string {
  const parsed = new URL(url);
  const path = parsed.protocol === "https:" ? FAL_HOSTS[parsed.host] : undefined;
  if (path === undefined) return url;
  return `${baseUrl.replace(/\/+$/, "")}${path}${parsed.pathname}${parsed.search}`;
}

/** Where fal's hosts are served instead (the local stack's emulator), when anywhere. */
export const baseUrl = () => process.env.TAKES_FAL_URL || undefined;

/** How fal names one model's endpoints. Status, result and cancel take any of them. */
interface FalEndpoints {
  textToVideo: string;
  imageToVideo: string;
  /** Veo: first and last frame; Kling takes its end image on image-to-video itself. */
  firstLastFrame?: string;
  /** Input field names for the images, per endpoint. */
  imageFields: { first: string; last?: string };
  durationUnit: "s" | "";
}

export type FalModel = VideoModel & { endpoints: FalEndpoints };

const FAL_PAGE = "fal.ai model page, price per second of output";

const veo = (
  id: string,
  label: string,
  path: string,
  usd: { silent: number; sound: number },
  source: string,
): FalModel => ({
  id,
  label,
  ...VEO_3_1,
  price: {
    perSecond: pricedBySound(usd),
    source,
    checked: "2026-11-29",
  },
  typicalTime: { base: 40, perOutputSecond: 10 },
  endpoints: {
    textToVideo: path,
    imageToVideo: `${path}/image-to-video`,
    firstLastFrame: `${path}/first-last-frame-to-video`,
    imageFields: { first: "image_url", last: "last_frame_url" },
    durationUnit: "s",
  },
});

const kling = (tier: "pro" | "standard", sizes: string[]): FalModel => ({
  id: `kling-v3-${tier}`,
  label: `Kling v3 ${tier === "pro" ? "Pro" : "Standard"}`,
  seconds: [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  sizes,
  images: { firstFrame: true, lastFrame: true },
  sound: "optional",
  remix: false,
  // fal publishes Kling v3's price on its model page only as a range by tier: unconfirmed.
  typicalTime: { base: 60, perOutputSecond: 10 },
  endpoints: {
    textToVideo: `fal-ai/kling-video/v3/${tier}/text-to-video`,
    imageToVideo: `fal-ai/kling-video/v3/${tier}/image-to-video`,
    imageFields: { first: "start_image_url", last: "end_image_url" },
    durationUnit: "",
  },
});

export const FAL_MODELS: readonly FalModel[] = [
  veo("veo3.1", "Veo 3.1", "fal-ai/veo3.1", { silent: 0.2, sound: 0.4 }, FAL_PAGE),
  // fal's page was not read for the Fast tier: Runway's resale figures, to recheck.
  veo(
    "veo3.1-fast",
    "Veo 3.1 Fast",
    "fal-ai/veo3.1/fast",
    { silent: 0.1, sound: 0.15 },
    "third-party listings of Veo 3.1 Fast per second (recheck against fal's page)",
  ),
  kling("pro", ["1920x1080", "1080x1920", "1080x1080"]),
  kling("standard", ["1280x720", "720x1280", "720x720"]),
];

/** fal's published webhook signing keys; a local emulator serves its own under TAKES_FAL_URL. */
const JWKS_URL = "https://rest.alpha.fal.ai/.well-known/jwks.json";
/** fal's guidance: cache the key set, for up to a day. */
const JWKS_CACHE_MS = 24 * 60 * 60 * 1000;
const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
let webhookKeys: { keys: KeyObject[]; fetchedAt: number; from: string } | undefined;

async function falWebhookKeys(now: number): Promise<KeyObject[]> {
  const url = baseUrl() ? falUrlUnder(baseUrl()!, JWKS_URL) : JWKS_URL;
  if (webhookKeys && webhookKeys.from === url && now - webhookKeys.fetchedAt < JWKS_CACHE_MS) {
    return webhookKeys.keys;
  }
  const response = await fetch(url, { signal: AbortSignal.timeout(5_000) }).catch(() => undefined);
  if (!response?.ok)
    throw new TakesError(
      503,
      "webhook_keys_unavailable",
      "fal's webhook keys could not be fetched.",
    );
  const { keys = [] } = (await response.json()) as { keys?: object[] };
  const parsed = keys.map((jwk) => createPublicKey({ key: jwk as never, format: "jwk" }));
  webhookKeys = { keys: parsed, fetchedAt: now, from: url };
  return parsed;
}

const invalidSignature = (message: string) =>
  new TakesError(401, "invalid_signature", `The webhook signature is not valid: ${message}`);

export const falDeclared = declareProvider({
  name: "fal",
  label: "fal",
  models: FAL_MODELS,
  variants: ["video"],
  reportsProgress: false,
  operatorSecret: "FalKey",
  // fal keys are "<key id>:<key secret>".
  ownsKey: (credential) => /^[0-9a-f-]{8,64}:[0-9a-f]{16,128}$/i.test(credential),
  offers: ["delete", "drawImage"],

  // `{request_id, status: "OK" | "ERROR", payload, error?}`, signed ED25519 over
  // "requestId\nuserId\ntimestamp\nsha256hex(body)" with one of fal's published keys.
  async acceptWebhook(delivery, now) {
    const header = (name: string) => delivery.headers[name];
    const requestId = header("x-fal-webhook-request-id");
    const userId = header("x-fal-webhook-user-id");
    const timestamp = header("x-fal-webhook-timestamp");
    const signature = header("x-fal-webhook-signature");
    if (!requestId || !userId || !timestamp || !signature) {
      throw invalidSignature("signature headers are missing.");
    }
    if (!/^\d{1,12}$/.test(timestamp)) throw invalidSignature("the timestamp is malformed.");
    if (Math.abs(now / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
      throw invalidSignature("the timestamp is too far from now.");
    }
    if (!/^[0-9a-f]{128}$/i.test(signature)) throw invalidSignature("the signature is malformed.");
    const digest = createHash("sha256").update(delivery.body).digest("hex");
    const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`, "utf8");
    const keys = await falWebhookKeys(now);
    const signed = Buffer.from(signature, "hex");
    if (!keys.some((key) => verifySignature(null, message, key, signed))) {
      throw invalidSignature("no signature matches.");
    }
    const event = parseWebhookJson(delivery) as { request_id?: unknown };
    return typeof event.request_id === "string" && event.request_id === requestId
      ? requestId
      : undefined;
  },
});
