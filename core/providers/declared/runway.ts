/**
 * Runway without its SDK (the adapter, core/providers/runway.ts, calls Runway): its models, their
 * prices in credits, and its keys' format.
 */
import { declareProvider, pricedBySound, type VideoModel } from "../contract";
import { VEO_3_1 } from "./veo";

/** 1 credit = $0.01 (Runway's API pricing page). */
export const CREDITS_PER_USD = 100;
const PRICE_SOURCE = "Runway API pricing (credits per second; 1 credit = $0.01)";
const THIRD_PARTY = "third-party listings of Runway's API credits per second (recheck)";
const LANDSCAPE_PORTRAIT_720P = ["1280x720", "720x1280"];

const credits = (perSecond: number) => perSecond / CREDITS_PER_USD;

/** Veo on Runway (./veo.ts), priced in credits. */
const veo = (
  id: string,
  label: string,
  creditsPerSecond: { silent: number; sound: number },
  source: string,
  typicalTime: VideoModel["typicalTime"],
): VideoModel => ({
  id,
  label,
  ...VEO_3_1,
  price: {
    perSecond: pricedBySound({
      silent: credits(creditsPerSecond.silent),
      sound: credits(creditsPerSecond.sound),
    }),
    source,
    checked: "2026-11-29",
  },
  typicalTime,
});

export const RUNWAY_MODELS: readonly VideoModel[] = [
  {
    id: "gen4.5",
    label: "Gen-4.5",
    seconds: [2, 3, 4, 5, 6, 7, 8, 9, 10],
    sizes: LANDSCAPE_PORTRAIT_720P,
    images: { firstFrame: true, lastFrame: false },
    sound: "never",
    remix: false,
    price: { perSecond: [{ usd: credits(12) }], source: PRICE_SOURCE, checked: "2026-11-29" },
    typicalTime: { base: 30, perOutputSecond: 8 },
  },
  veo("veo3.1", "Veo 3.1", { silent: 20, sound: 40 }, PRICE_SOURCE, {
    base: 40,
    perOutputSecond: 10,
  }),
  veo("veo3.1_fast", "Veo 3.1 Fast", { silent: 10, sound: 15 }, THIRD_PARTY, {
    base: 20,
    perOutputSecond: 5,
  }),
  {
    id: "seedance2",
    label: "Seedance 2",
    // Runway takes more (any whole number of seconds, sizes up to 4K): this is the part Takes
    // offers and its emulator serves.
    seconds: [5, 10],
    sizes: [...LANDSCAPE_PORTRAIT_720P, "960x960", "1920x1080", "1080x1920"],
    images: { firstFrame: true, lastFrame: true },
    sound: "never",
    remix: false,
    // Runway publishes no per-second figure for Seedance 2 yet: the task's estimate says.
    typicalTime: { base: 30, perOutputSecond: 8 },
  },
];

export const runwayDeclared = declareProvider({
  name: "runway",
  label: "Runway",
  models: RUNWAY_MODELS,
  variants: ["video"],
  reportsProgress: true,
  operatorSecret: "RunwayKey",
  ownsKey: (credential) => /^key_[A-Za-z0-9_-]{16,300}$/.test(credential),

  offers: ["delete", "drawImage", "checkKey"],
});
