/**
 * The OpenAI Videos API shape without the `openai` SDK (the adapter, core/providers/openai.ts,
 * calls the gateway): Sora's models, the keys gateways issue, and webhook signatures.
 */
import { Resource } from "sst/resource";
import { declareProvider, type VideoModel } from "../contract";
import { parseWebhookJson, verifyStandardWebhook } from "../webhook-signatures";

/** Sora's list prices when OpenAI sold it (docs/notes/providers.md): gateways charge their own. */
const SORA_PRICE_SOURCE =
  "OpenAI API pricing page for sora-2 / sora-2-pro (before the 2026-09-24 shutdown)";
const LANDSCAPE_AND_PORTRAIT_720P = ["1280x720", "720x1280"];
const SORA_SIZES = [...LANDSCAPE_AND_PORTRAIT_720P, "1792x1024", "1024x1792"];

const soraModel = (
  model: Omit<VideoModel, "seconds" | "sizes" | "images" | "sound" | "remix">,
) => ({
  ...model,
  seconds: [4, 8, 12],
  sizes: SORA_SIZES,
  images: { firstFrame: true, lastFrame: false },
  // Sora generates synchronised dialogue, effects and ambience.
  sound: "always" as const,
  remix: true,
});

/**
 * The video a webhook event reports finished: `{id, type: "video.completed" | "video.failed",
 * created_at, data: {id}}`; undefined for any other event. The SDK's event union omits the video
 * events, hence the hand-written check.
 */
export function finishedVideoOf(event: unknown): string | undefined {
  const { type, data } = (event ?? {}) as { type?: unknown; data?: { id?: unknown } };
  const finished = type === "video.completed" || type === "video.failed";
  return finished && typeof data?.id === "string" && data.id ? data.id : undefined;
}

export const openaiDeclared = declareProvider({
  name: "openai",
  label: "OpenAI-compatible gateway",
  models: [
    soraModel({
      id: "sora-2",
      label: "Sora 2",
      price: {
        perSecond: [{ usd: 0.1, sizes: LANDSCAPE_AND_PORTRAIT_720P }],
        source: SORA_PRICE_SOURCE,
        checked: "2026-11-21",
      },
      typicalTime: { base: 20, perOutputSecond: 10 },
    }),
    soraModel({
      id: "sora-2-pro",
      label: "Sora 2 Pro",
      price: {
        perSecond: [{ usd: 0.3, sizes: LANDSCAPE_AND_PORTRAIT_720P }, { usd: 0.5 }],
        source: SORA_PRICE_SOURCE,
        checked: "2026-11-21",
      },
      typicalTime: { base: 40, perOutputSecond: 25 },
    }),
  ],
  variants: ["video", "thumbnail", "spritesheet"],
  reportsProgress: true,
  operatorSecret: "ProviderKey",
  // OpenAI-shaped keys, as gateways (and the local emulator) issue them.
  ownsKey: (credential) => /^sk-[A-Za-z0-9_-]{8,200}$/.test(credential),
  offers: ["remix", "delete", "writeText", "drawImage"],

  // Standard Webhooks, signed with the operator's WebhookSecret.
  async acceptWebhook(delivery, now) {
    verifyStandardWebhook(delivery, Resource.WebhookSecret.value, now);
    return finishedVideoOf(parseWebhookJson(delivery));
  },
});
