import { Resource } from "sst";
import { beforeAll, describe, expect, it } from "vitest";
import { SealedValueInvalid, seal, unseal } from "#core/sealing";
import { linkSecrets } from "#local/link";

beforeAll(() => linkSecrets({ ServerSecret: "unit-test-server-secret" }));

const key = "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789";

/** Flips one bit inside the given part of a sealed value, re-encoded so the format stays valid. */
function flipBit(sealed: string, part: 1 | 2 | 3): string {
  const parts = sealed.split(".");
  const bytes = Buffer.from(parts[part]!, "base64url");
  bytes[0]! ^= 1;
  parts[part] = bytes.toString("base64url");
  return parts.join(".");
}

describe("sealing", () => {
  it("round-trips and never shows the plaintext", () => {
    const sealed = seal(key);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain("abcdefghij");
    expect(unseal(sealed)).toBe(key);
  });

  it("uses a fresh IV every time", () => {
    const sealings = new Set(Array.from({ length: 20 }, () => seal(key)));
    expect(sealings.size).toBe(20);
    expect(new Set([...sealings].map((sealed) => sealed.split(".")[1])).size).toBe(20);
  });

  it.each([
    ["the IV", 1],
    ["the ciphertext", 2],
    ["the tag", 3],
  ] as const)("rejects a change to %s", (_, part) => {
    expect(() => unseal(flipBit(seal(key), part))).toThrow(SealedValueInvalid);
  });

  it.each([
    ["another version", (sealed: string) => sealed.replace(/^v1/, "v2")],
    ["a missing part", (sealed: string) => sealed.split(".").slice(0, 3).join(".")],
    ["an extra part", (sealed: string) => `${sealed}.AAAA`],
    ["a shortened tag", (sealed: string) => sealed.slice(0, -4)],
    ["garbage", () => "not sealed at all"],
  ])("rejects %s", (_, mangle) => {
    expect(() => unseal(mangle(seal(key)))).toThrow(SealedValueInvalid);
  });

  it("cannot be opened under another server secret", () => {
    const sealed = seal(key);
    const secret = Resource.ServerSecret as { value: string };
    const original = secret.value;
    secret.value = "a-rotated-server-secret";
    try {
      expect(() => unseal(sealed)).toThrow(SealedValueInvalid);
      expect(unseal(seal(key))).toBe(key);
    } finally {
      secret.value = original;
    }
    expect(unseal(sealed)).toBe(key);
  });
});
