/**
 * Webhook signatures as providers sign them. Every check throws a 401 TakesError that says what
 * is wrong, never which secret was tried; a body that verifies is parsed by parseWebhookJson.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { badRequest, TakesError } from "../errors";
import type { WebhookDelivery } from "./contract";

/** Standard Webhooks' recommended window: older (or future) deliveries are refused as replays. */
export const WEBHOOK_TOLERANCE_SECONDS = 5 * 60;
/** Senders list one signature per active secret; a handful covers any rotation. */
const MAX_SIGNATURES = 8;
const SIGNATURE_BYTES = 32;

const invalidSignature = (message: string) =>
  new TakesError(401, "invalid_signature", `The webhook signature is not valid: ${message}`);

/** `whsec_<base64>` is the Standard Webhooks form; any other secret is used as its UTF-8 bytes. */
const secretKey = (secret: string) =>
  secret.startsWith("whsec_")
    ? Buffer.from(secret.slice("whsec_".length), "base64")
    : Buffer.from(secret, "utf8");

/**
 * Checks a Standard Webhooks signature (`webhook-id`, `webhook-timestamp`, `webhook-signature:
 * v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, space-separated when there are several) and
 * the timestamp's freshness. Throws a 401 TakesError when anything is missing or wrong.
 */
export function verifyStandardWebhook(
  delivery: WebhookDelivery,
  secret: string,
  now = Date.now(),
): void {
  const id = delivery.headers["webhook-id"];
  const timestamp = delivery.headers["webhook-timestamp"];
  const signatures = delivery.headers["webhook-signature"];
  if (!id || !timestamp || !signatures) throw invalidSignature("signature headers are missing.");
  if (!/^\d{1,12}$/.test(timestamp)) throw invalidSignature("the timestamp is malformed.");
  if (Math.abs(now / 1000 - Number(timestamp)) > WEBHOOK_TOLERANCE_SECONDS) {
    throw invalidSignature("the timestamp is too far from now.");
  }
  const expected = createHmac("sha256", secretKey(secret))
    .update(`${id}.${timestamp}.`)
    .update(delivery.body)
    .digest();
  const matches = signatures
    .split(" ")
    .slice(0, MAX_SIGNATURES)
    .some((entry) => {
      if (!entry.startsWith("v1,")) return false;
      const candidate = Buffer.from(entry.slice(3), "base64");
      // timingSafeEqual needs equal lengths; the length of a valid HMAC is no secret.
      return candidate.length === SIGNATURE_BYTES && timingSafeEqual(candidate, expected);
    });
  if (!matches) throw invalidSignature("no signature matches.");
}

/** A verified delivery's body as JSON; 400 when it is not. */
export function parseWebhookJson(delivery: WebhookDelivery): unknown {
  try {
    return JSON.parse(delivery.body.toString("utf8"));
  } catch {
    throw badRequest("malformed_json", "The webhook body is not valid JSON.");
  }
}
