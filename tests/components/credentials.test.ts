import { beforeAll, describe, expect, it } from "vitest";
import { issueAccessCode } from "#core/access-codes";
import { credentialForJob } from "#core/caller-providers";
import { resolveCredential } from "#core/credentials";
import { accessCodeHash, ownerIdFor } from "#core/identity";
import { unseal } from "#core/sealing";
import { takesRejection } from "../support/errors";
import { useLinkedResources } from "../support/resources";

const OPERATOR_KEY = "sk-operator-0123456789abcdef";
useLinkedResources({
  secrets: { ServerSecret: "credentials-test-secret", ProviderKey: OPERATOR_KEY },
});

beforeAll(async () => {
  await issueAccessCode("demo-0123456789ab", { label: "test code", quotaSeconds: 60 });
});

const broughtKey = "sk-proj-Abc_def-0123456789";

describe("resolveCredential", () => {
  it("takes a brought key as the person's own, sealed for the poller", async () => {
    const resolved = await resolveCredential(broughtKey);
    expect(resolved).toMatchObject({
      ownerId: ownerIdFor(broughtKey),
      providerCredential: broughtKey,
      kind: "brought-key",
      provider: "openai",
    });
    expect(resolved.sealed).not.toContain(broughtKey);
    expect(unseal(resolved.sealed!)).toBe(broughtKey);
  });

  it("gives the same key the same owner every time, and another key another owner", async () => {
    const again = await resolveCredential(broughtKey);
    const other = await resolveCredential("sk-proj-someoneElse0123");
    expect(again.ownerId).toBe((await resolveCredential(broughtKey)).ownerId);
    expect(other.ownerId).not.toBe(again.ownerId);
    expect(again.ownerId).not.toContain(broughtKey);
  });

  it("lets an access code act with the operator's key", async () => {
    const resolved = await resolveCredential("demo-0123456789ab");
    expect(resolved).toEqual({
      ownerId: ownerIdFor("demo-0123456789ab"),
      providerCredential: OPERATOR_KEY,
      kind: "access-code",
      accessCodeHash: accessCodeHash("demo-0123456789ab"),
    });
  });

  it.each([
    ["key_0123456789abcdef0123", "runway"],
    ["0f1e2d3c-aaaa-bbbb:0123456789abcdef0123", "fal"],
    // OpenRouter's keys would pass for OpenAI-compatible ones: its own format is asked first.
    [`sk-or-v1-${"ab".repeat(32)}`, "openrouter"],
    ["sk-proj-Abc_def-0123456789", "openai"],
    ["fal:a-key-fal-does-not-shape", "fal"],
  ])("tells whose key %s is (%s)", async (key, provider) => {
    expect(await resolveCredential(key)).toMatchObject({ kind: "brought-key", provider });
  });

  it.each([
    // Bedrock runs on the operator's AWS account only: naming it never makes a key of one.
    ["a key named for a provider no one brings keys of", "bedrock:us-west-2-please"],
    ["an unknown code", "demo-ffffffffffff"],
    ["an empty bearer", ""],
    ["a short key", "sk-short"],
    ["a key with odd characters", "sk-abc def ghi jkl"],
    ["an overlong key", `sk-${"a".repeat(201)}`],
    ["an overlong code", "x".repeat(201)],
  ])("answers %s with a 401 that does not echo it", async (_, bearer) => {
    const error = await takesRejection(resolveCredential(bearer));
    expect(error.status).toBe(401);
    if (bearer) expect(JSON.stringify(error.toJSON())).not.toContain(bearer);
  });
});

describe("credentialForJob", () => {
  it("unseals a brought key, and falls back to the operator's key", async () => {
    const { sealed } = await resolveCredential(broughtKey);
    expect(credentialForJob({ sealedCredential: sealed })).toBe(broughtKey);
    expect(credentialForJob({})).toBe(OPERATOR_KEY);
  });
});
