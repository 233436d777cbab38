import type { PublicShare } from "$core/shares";

/** A share link as the video page lists it: the stored share and its public URL. */
export interface ShareLink extends PublicShare {
  url: string;
}

/** An expiry the "Share" form offers. */
export interface ShareChoice {
  label: string;
  seconds: number;
}
