import type { JobStatus } from "$core/jobs/state";

/** Display helpers shared by server and browser code. Pure: no imports that reach the server. */

export interface SizeInfo {
  width: number;
  height: number;
  orientation: "landscape" | "portrait" | "square";
  /** "1280×720" */
  label: string;
  /** "720p" */
  tier: string;
}

export function sizeInfo(size: string): SizeInfo {
  const [width = 16, height = 9] = size.split("x").map(Number);
  const orientation = width > height ? "landscape" : width < height ? "portrait" : "square";
  return {
    width,
    height,
    orientation,
    label: `${width}×${height}`,
    tier: `${Math.min(width, height)}p`,
  };
}

export const STATUS_LABELS: Record<JobStatus, string> = {
  queued: "Queued",
  in_progress: "Generating",
  copying: "Saving",
  completed: "Ready",
  failed: "Failed",
  expired: "Expired",
};

export const ACTIVE: readonly JobStatus[] = ["queued", "in_progress", "copying"];
export const isActiveStatus = (status: JobStatus) => ACTIVE.includes(status);

export function formatUsd(amount: number | null | undefined): string {
  if (amount === null || amount === undefined) return "—";
  return amount.toLocaleString("en-US", { style: "currency", currency: "USD" });
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

const RELATIVE = new Intl.RelativeTimeFormat("en", { numeric: "auto" });
const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["year", 365 * 24 * 3600],
  ["month", 30 * 24 * 3600],
  ["week", 7 * 24 * 3600],
  ["day", 24 * 3600],
  ["hour", 3600],
  ["minute", 60],
];

/** "3 minutes ago", "yesterday"; "just now" under a minute. */
export function relativeTime(iso: string, now = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return RELATIVE.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

export function absoluteTime(iso: string): string {
  return new Date(iso).toLocaleString("en-GB", {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone: "UTC",
  });
}
