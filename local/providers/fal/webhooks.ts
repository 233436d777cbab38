/**
 * fal's webhooks: when a request submitted with `?fal_webhook=<url>` completes, a POST of
 * `{request_id, gateway_request_id, status: "OK" | "ERROR", payload, error?}`, signed ED25519:
 * headers `X-Fal-Webhook-Request-Id`, `-User-Id`, `-Timestamp` (unix seconds) and `-Signature`
 * (hex) over `${requestId}\n${userId}\n${timestamp}\n${sha256hex(body)}`. Receivers verify with
 * the public keys fal serves at `https://rest.fal.ai/.well-known/jwks.json` (OKP / Ed25519, `x`
 * base64url) and reject timestamps more than 5 minutes off.
 *
 * Each emulator has its own key pair, made at start; its JWKS is served the same way.
 */
import { createHash, generateKeyPairSync, sign } from "node:crypto";

const DELIVERY_TIMEOUT_MS = 5_000;

export interface WebhookEvent {
  request_id: string;
  gateway_request_id: string;
  status: "OK" | "ERROR";
  payload: unknown;
  error?: string;
}

export class WebhookSigner {
  private readonly keys = generateKeyPairSync("ed25519");
  readonly jwks: { keys: Record<string, string>[] };

  constructor() {
    const { kty = "OKP", crv = "Ed25519", x = "" } = this.keys.publicKey.export({ format: "jwk" });
    const kid = createHash("sha256").update(x).digest("base64url").slice(0, 16);
    this.jwks = { keys: [{ kty, crv, x, kid, use: "sig", alg: "EdDSA" }] };
  }

  headers(requestId: string, userId: string, body: string): Record<string, string> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const digest = createHash("sha256").update(body).digest("hex");
    const message = Buffer.from(`${requestId}\n${userId}\n${timestamp}\n${digest}`);
    return {
      "x-fal-webhook-request-id": requestId,
      "x-fal-webhook-user-id": userId,
      "x-fal-webhook-timestamp": timestamp,
      "x-fal-webhook-signature": sign(null, message, this.keys.privateKey).toString("hex"),
    };
  }

  /**
   * Sends one event. Fire and forget (fal retries 10 times over 2 hours; the emulator tries once):
   * a receiver that is down or slow must never stop or crash the emulator.
   */
  deliver(url: string, userId: string, event: WebhookEvent) {
    const body = JSON.stringify(event);
    fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...this.headers(event.request_id, userId, body),
      },
      body,
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    })
      .then(async (response) => {
        await response.body?.cancel();
        if (!response.ok) {
          console.warn(
            `provider emulator: fal webhook for ${event.request_id} got ${response.status}`,
          );
        }
      })
      .catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        console.warn(`provider emulator: fal webhook for ${event.request_id} failed: ${reason}`);
      });
  }
}
