/**
 * Who is calling, read from the SigV4 Authorization header the AWS SDK signs every request with.
 * The signature itself is not verified (any secret works, as with the other emulators' keys);
 * the header must have SigV4's form and be scoped to the `bedrock` service. Each access key id
 * stands for an AWS account of its own, whose id is derived from it: invocations are scoped by it.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { BedrockError } from "./errors";

const SIGV4 =
  /^AWS4-HMAC-SHA256 Credential=([^/\s,]+)\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\/aws4_request, ?SignedHeaders=[a-z0-9;-]+, ?Signature=[0-9a-f]{64}$/;
const SERVICE = "bedrock";

export interface Caller {
  /** A 12-digit account id derived from the access key id. */
  account: string;
  /** The region the request was signed for: what Bedrock serves it from. */
  region: string;
}

const accountOf = (accessKeyId: string) =>
  (BigInt(`0x${createHash("sha256").update(accessKeyId).digest("hex").slice(0, 15)}`) % 10n ** 12n)
    .toString()
    .padStart(12, "0");

export function callerOf(req: IncomingMessage): Caller {
  const header = req.headers.authorization;
  if (header === undefined) {
    throw new BedrockError("MissingAuthenticationTokenException", "Missing Authentication Token");
  }
  const [, accessKeyId = "", region = "", service] = SIGV4.exec(header) ?? [];
  if (!accessKeyId) {
    throw new BedrockError(
      "IncompleteSignatureException",
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' " +
        "parameters of an AWS4-HMAC-SHA256 signature.",
    );
  }
  if (service !== SERVICE) {
    throw new BedrockError(
      "InvalidSignatureException",
      `Credential should be scoped to correct service: '${SERVICE}'.`,
    );
  }
  return { account: accountOf(accessKeyId), region };
}
