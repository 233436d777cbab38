import { createHmac, randomBytes } from "node:crypto";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { TakesError } from "#core/errors";
import { finishedVideoOf } from "#core/providers/openai";
import type { WebhookDelivery } from "#core/providers/contract";
import { verifyStandardWebhook } from "#core/providers/webhook-signatures";

const secret = `whsec_${randomBytes(24).toString("base64")}`;
const NOW = Date.parse("2026-11-21T10:00:00.000Z");
const nowSeconds = Math.floor(NOW / 1000);

/** Signs as a Standard Webhooks sender does: base64 HMAC-SHA256 of "id.timestamp.body". */
function sign(body: string, options: { id?: string; timestamp?: number; key?: string } = {}) {
  const id = options.id ?? "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  const timestamp = String(options.timestamp ?? nowSeconds);
  const key = Buffer.from((options.key ?? secret).slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest("base64");
  return {
    "webhook-id": id,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${signature}`,
  };
}

const event = JSON.stringify({
  id: "evt_1",
  type: "video.completed",
  created_at: nowSeconds,
  data: { id: "video_123" },
});

function verdict(delivery: WebhookDelivery, now = NOW): "valid" | string {
  try {
    verifyStandardWebhook(delivery, secret, now);
    return "valid";
  } catch (error) {
    expect(error).toBeInstanceOf(TakesError);
    expect((error as TakesError).status).toBe(401);
    return (error as TakesError).message;
  }
}

/** The openai SDK's own verifier, as a second opinion on the same delivery. */
async function sdkVerdict(delivery: WebhookDelivery, now = NOW): Promise<boolean> {
  const realNow = Date.now;
  Date.now = () => now;
  try {
    const headers = Object.fromEntries(
      Object.entries(delivery.headers).filter(([, value]) => value !== undefined),
    ) as Record<string, string>;
    await new OpenAI({ apiKey: "sk-unused" }).webhooks.verifySignature(
      delivery.body.toString("utf8"),
      headers,
      secret,
    );
    return true;
  } catch {
    return false;
  } finally {
    Date.now = realNow;
  }
}

const delivery = (body: string, headers: Record<string, string | undefined>) => ({
  body: Buffer.from(body),
  headers,
});

describe("verifyStandardWebhook", () => {
  it("accepts a correctly signed, fresh delivery, as the openai SDK does", async () => {
    const signed = delivery(event, sign(event));
    expect(verdict(signed)).toBe("valid");
    expect(await sdkVerdict(signed)).toBe(true);
  });

  it("accepts any one matching signature among several (secret rotation)", () => {
    const headers = sign(event);
    const other = sign(event, { key: `whsec_${randomBytes(24).toString("base64")}` });
    headers["webhook-signature"] = `${other["webhook-signature"]} ${headers["webhook-signature"]}`;
    expect(verdict(delivery(event, headers))).toBe("valid");
  });

  it("refuses a changed body, another secret, or a changed id, as the SDK does", async () => {
    const cases = [
      delivery(event.replace("video_123", "video_456"), sign(event)),
      delivery(event, sign(event, { key: `whsec_${randomBytes(24).toString("base64")}` })),
      delivery(event, { ...sign(event), "webhook-id": "msg_other" }),
    ];
    for (const forged of cases) {
      expect(verdict(forged)).toMatch(/no signature matches/);
      expect(await sdkVerdict(forged)).toBe(false);
    }
  });

  it("refuses deliveries more than five minutes old or ahead (replays)", async () => {
    const stale = delivery(event, sign(event, { timestamp: nowSeconds - 301 }));
    const ahead = delivery(event, sign(event, { timestamp: nowSeconds + 301 }));
    expect(verdict(stale)).toMatch(/too far from now/);
    expect(verdict(ahead)).toMatch(/too far from now/);
    expect(await sdkVerdict(stale)).toBe(false);
    expect(verdict(delivery(event, sign(event, { timestamp: nowSeconds - 299 })))).toBe("valid");
  });

  it("refuses missing headers and malformed signatures without throwing anything else", () => {
    const headers = sign(event);
    expect(verdict(delivery(event, { ...headers, "webhook-signature": undefined }))).toMatch(
      /missing/,
    );
    expect(verdict(delivery(event, { ...headers, "webhook-timestamp": "soon" }))).toMatch(
      /malformed/,
    );
    for (const signature of ["v1,", "v1,not base64!", "v2,abc", "", "v1,AAAA"]) {
      expect(verdict(delivery(event, { ...headers, "webhook-signature": signature }))).not.toBe(
        "valid",
      );
    }
  });
});

describe("OpenAI webhook events", () => {
  it("name the finished video for completed and failed events only", () => {
    const finished = finishedVideoOf;
    expect(finished(JSON.parse(event))).toBe("video_123");
    expect(finished({ type: "video.failed", data: { id: "video_9" } })).toBe("video_9");
    expect(finished({ type: "batch.completed", data: { id: "batch_1" } })).toBeUndefined();
    expect(finished({ type: "video.completed", data: {} })).toBeUndefined();
    expect(finished(null)).toBeUndefined();
  });
});
