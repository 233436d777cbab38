/**
 * Webhook deliveries in the Standard Webhooks format OpenAI uses: headers `webhook-id`,
 * `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`,
 * keyed with the base64 part of the `whsec_` secret. `client.webhooks.unwrap` verifies them.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { WebhookConfig } from "../shared/mount";

type VideoEventType = "video.completed" | "video.failed";

const DELIVERY_TIMEOUT_MS = 5_000;
const SECRET_PREFIX = "whsec_";

function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  // As the SDK's verifier reads it: the base64 part of a `whsec_` secret, else the raw text.
  const key = secret.startsWith(SECRET_PREFIX)
    ? Buffer.from(secret.slice(SECRET_PREFIX.length), "base64")
    : Buffer.from(secret, "utf8");
  const digest = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${digest}`;
}

/**
 * Sends one event. Fire and forget: a receiver that is down or slow must never stop or crash the
 * emulator, just as a provider would not wait on its customers.
 */
export function deliverVideoEvent(config: WebhookConfig, type: VideoEventType, videoId: string) {
  const id = `evt_${randomBytes(16).toString("hex")}`;
  const timestamp = Math.floor(Date.now() / 1000);
  const body = JSON.stringify({
    id,
    object: "event",
    type,
    created_at: timestamp,
    data: { id: videoId },
  });
  fetch(config.url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook(config.secret, id, timestamp, body),
    },
    body,
    signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
  })
    .then(async (response) => {
      await response.body?.cancel();
      if (!response.ok) {
        console.warn(`provider emulator: webhook ${type} for ${videoId} got ${response.status}`);
      }
    })
    .catch((error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      console.warn(`provider emulator: webhook ${type} for ${videoId} failed: ${reason}`);
    });
}
