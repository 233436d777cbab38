import { randomBytes, randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateAccessCode } from "#core/access-codes";
import { ProviderRejected } from "#core/providers/contract";
import { REDACTED, withoutSecrets } from "#core/redact";

const hex = (bytes: number) => randomBytes(bytes).toString("hex");

describe("withoutSecrets", () => {
  it.each([
    ["an OpenAI key", `sk-proj-${randomBytes(36).toString("base64url")}`],
    ["an OpenRouter key", `sk-or-v1-${hex(32)}`],
    ["a short sk- key", "sk-abcdefgh12"],
    ["a Runway key", `key_${hex(64)}`],
    ["a fal key", `${randomUUID()}:${hex(16)}`],
    ["an AWS access key id", "AKIAIOSFODNN7EXAMPLE"],
    ["a Takes access code", generateAccessCode()],
    ["a bearer token", `Bearer ${hex(8)}`],
    ["a long random token", randomBytes(30).toString("base64url")],
  ])("takes out %s, wherever it sits in the text", (_, secret) => {
    const text = `Invalid API key provided: '${secret}'. Check ${secret}, then retry.`;
    const redacted = withoutSecrets(text);
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain(REDACTED);
    expect(redacted).toMatch(/^Invalid API key provided: '/);
  });

  it("leaves a reason without secrets as it was", () => {
    const reason =
      "The prompt was blocked by moderation (SAFETY.INPUT.TEXT): try describing the scene differently.";
    expect(withoutSecrets(reason)).toBe(reason);
  });

  it("applies to every provider failure's message", () => {
    const key = `sk-${hex(24)}`;
    const failure = new ProviderRejected(401, "invalid_api_key", `Incorrect API key: ${key}`);
    expect(failure.message).toBe(`Incorrect API key: ${REDACTED}`);
  });
});
