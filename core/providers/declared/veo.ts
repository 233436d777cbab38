import type { VideoModel } from "../contract";

/**
 * Google's Veo 3.1 (and its Fast tier) as the providers that resell it offer it through Takes:
 * 4, 6 or 8 s, 720p or 1080p in landscape or portrait, a first and a last frame, sound as asked,
 * no remix. The model's facts in one place; each provider adds its ids, prices and timing.
 */
export const VEO_3_1 = {
  seconds: [4, 6, 8],
  sizes: ["1280x720", "720x1280", "1920x1080", "1080x1920"],
  images: { firstFrame: true, lastFrame: true },
  sound: "optional",
  remix: false,
} as const satisfies Pick<VideoModel, "seconds" | "sizes" | "images" | "sound" | "remix">;
