/**
 * Amazon Bedrock without its SDK (the adapter, core/providers/bedrock.ts, calls Bedrock): Luma
 * Ray2's sizes and price, and where Bedrock writes a finished video in Takes' bucket.
 */
import { incomingFolder } from "../../media/layout";
import { declareProvider, type VideoModel } from "../contract";

export const MODEL_ID = "luma.ray-v2:0";

/**
 * Each size Takes offers, as Ray2 asks for it: an aspect ratio at a resolution. AWS publishes only
 * the ratios and resolutions; the pixels keep the resolution's line count on the short side (as
 * 16:9's published 960x540 and 1280x720 do), the long side a multiple of 16. Unverified live.
 */
export const RAY2_SIZES: Readonly<Record<string, { aspect_ratio: string; resolution: string }>> = {
  "960x540": { aspect_ratio: "16:9", resolution: "540p" },
  "540x960": { aspect_ratio: "9:16", resolution: "540p" },
  "540x540": { aspect_ratio: "1:1", resolution: "540p" },
  "720x540": { aspect_ratio: "4:3", resolution: "540p" },
  "540x720": { aspect_ratio: "3:4", resolution: "540p" },
  "1264x540": { aspect_ratio: "21:9", resolution: "540p" },
  "540x1264": { aspect_ratio: "9:21", resolution: "540p" },
  "1280x720": { aspect_ratio: "16:9", resolution: "720p" },
  "720x1280": { aspect_ratio: "9:16", resolution: "720p" },
  "720x720": { aspect_ratio: "1:1", resolution: "720p" },
  "960x720": { aspect_ratio: "4:3", resolution: "720p" },
  "720x960": { aspect_ratio: "3:4", resolution: "720p" },
  "1680x720": { aspect_ratio: "21:9", resolution: "720p" },
  "720x1680": { aspect_ratio: "9:21", resolution: "720p" },
};

const RAY2: VideoModel = {
  id: MODEL_ID,
  label: "Luma Ray2",
  seconds: [5, 9],
  sizes: Object.keys(RAY2_SIZES),
  // The first frame goes as keyframes.frame0, which public code uses but AWS's parameter page does
  // not list (docs/notes/providers.md): kept, and checked against the emulator only.
  images: { firstFrame: true, lastFrame: false },
  sound: "never",
  remix: false,
  price: {
    perSecond: [
      {
        usd: 0.75,
        sizes: Object.keys(RAY2_SIZES).filter((size) => RAY2_SIZES[size]!.resolution === "540p"),
      },
      { usd: 1.5 },
    ],
    source: "recalled Bedrock launch price for Luma Ray2 (540p / 720p): unverified, recheck",
    checked: "2026-11-29",
  },
  typicalTime: { base: 60, perOutputSecond: 15 },
};

/** "arn:aws:bedrock:us-west-2:123:async-invoke/abc123" → "abc123", the folder Bedrock writes. */
const invocationIdOf = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

export const bedrockDeclared = declareProvider({
  name: "bedrock",
  label: "Amazon Bedrock",
  models: [RAY2],
  variants: ["video"],
  reportsProgress: false,
  // No ownsKey: Bedrock takes no key a person could bring, only the operator's AWS account.
  operatorSecret: "BedrockRegion",
  offers: [],

  storedOutputKey: ({ jobId, providerJobId }) =>
    `${incomingFolder(jobId)}${invocationIdOf(providerJobId)}/output.mp4`,
});
