import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { Resource } from "sst/resource";

/**
 * Seals a brought provider key so the poller can use it later without Takes ever storing it in
 * clear: AES-256-GCM under a key derived from the server secret. Format: "v1.iv.ciphertext.tag",
 * each part base64url. The version prefix lets a later format (or a rotated secret) coexist.
 */

const VERSION = "v1";
const IV_BYTES = 12; // 96 bits: GCM's native nonce size
const TAG_BYTES = 16;

let derived: { secret: string; key: Buffer } | undefined;

/** HKDF with its own label, so the sealing key never equals the HMAC key of core/identity.ts. */
function sealingKey(): Buffer {
  const secret = Resource.ServerSecret.value;
  if (derived?.secret !== secret) {
    const key = Buffer.from(hkdfSync("sha256", secret, "takes", "takes/sealing/v1", 32));
    derived = { secret, key };
  }
  return derived.key;
}

export function seal(plaintext: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(), iv, { authTagLength: TAG_BYTES });
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return [VERSION, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
    .join(".");
}

export class SealedValueInvalid extends Error {
  constructor() {
    super("The sealed value is malformed, was tampered with, or was sealed under another secret.");
    this.name = "SealedValueInvalid";
  }
}

export function unseal(sealed: string): string {
  const [version, iv, ciphertext, tag, ...rest] = sealed.split(".");
  if (
    version !== VERSION ||
    iv === undefined ||
    ciphertext === undefined ||
    tag === undefined ||
    rest.length
  ) {
    throw new SealedValueInvalid();
  }
  const ivBytes = Buffer.from(iv, "base64url");
  const tagBytes = Buffer.from(tag, "base64url");
  if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new SealedValueInvalid();
  try {
    const decipher = createDecipheriv("aes-256-gcm", sealingKey(), ivBytes, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAuthTag(tagBytes);
    return Buffer.concat([
      decipher.update(Buffer.from(ciphertext, "base64url")),
      decipher.final(),
    ]).toString("utf8");
  } catch {
    // Node's own message says nothing useful and the cause must not echo any input.
    throw new SealedValueInvalid();
  }
}
