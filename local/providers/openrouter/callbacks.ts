/**
 * OpenRouter's video callbacks: when a job submitted with `callback_url` ends, a POST of the event
 * envelope `{type: "video.generation.<status>", created_at, data: {id, status, generation_id,
 * model, unsigned_urls, usage, error}}`, with headers
 * `X-OpenRouter-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "<t>,<raw body>">` keyed with the
 * workspace's signing secret (the string as is), and `X-OpenRouter-Idempotency-Key:
 * <job id>-<status>`. Receivers verify the signature over the raw bytes and refuse timestamps
 * more than 5 minutes off (OpenRouter's cookbook, video-generation-webhooks).
 */
import { createHmac } from "node:crypto";
import type { VideoJobView } from "./jobs";

const DELIVERY_TIMEOUT_MS = 5_000;

export type TerminalStatus = "completed" | "failed" | "cancelled" | "expired";

export interface VideoCallbackEvent {
  type: `video.generation.${TerminalStatus}`;
  created_at: string;
  data: Omit<VideoJobView, "polling_url"> & { status: TerminalStatus; model: string };
}

function signatureHeader(secret: string, timestamp: number, body: string): string {
  const digest = createHmac("sha256", secret).update(`${timestamp},${body}`).digest("hex");
  return `t=${timestamp},v1=${digest}`;
}

/**
 * Sends one event. Fire and forget (OpenRouter retries; the emulator tries once): a receiver that
 * is down or slow must never stop or crash the emulator. Without a signing secret the event goes
 * unsigned, as there is nothing to sign it with.
 */
export function deliverCallback(
  url: string,
  secret: string | undefined,
  event: VideoCallbackEvent,
) {
  const body = JSON.stringify(event);
  const { id, status } = event.data;
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-openrouter-idempotency-key": `${id}-${status}`,
      ...(secret
        ? { "x-openrouter-signature": signatureHeader(secret, Math.floor(Date.now() / 1000), body) }
        : {}),
    },
    body,
    signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
  })
    .then(async (response) => {
      await response.body?.cancel();
      if (!response.ok) {
        console.warn(`provider emulator: OpenRouter callback for ${id} got ${response.status}`);
      }
    })
    .catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      console.warn(`provider emulator: OpenRouter callback for ${id} failed: ${reason}`);
    });
}
