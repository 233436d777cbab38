/**
 * Text from a provider (an error message, a failure reason) can quote what it was sent, a key
 * included. Whatever Takes keeps or shows of such text goes through here first.
 */

export const REDACTED = "[redacted]";

const SECRET_SHAPES = [
  // "Bearer …" as a header would carry it.
  /\bbearer\s+[^\s"',;]+/gi,
  // OpenAI, OpenRouter and compatible gateways: sk-…, sk-proj-…, sk-or-v1-….
  /\bsk-[A-Za-z0-9_-]{8,}/g,
  // Runway: key_….
  /\bkey_[A-Za-z0-9]{16,}/g,
  // fal: a UUID, a colon and a hex secret.
  /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{16,}\b/gi,
  // AWS access key ids.
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  // Takes' access codes.
  /\btake-[0-9a-z]{4}(?:-[0-9a-z]{4}){3}\b/gi,
  // Anything else long and random-looking: a token, a signature, a secret of another shape.
  /[A-Za-z0-9+/_=-]{32,}/g,
];

/** `text` with everything that looks like a key, token or secret replaced by "[redacted]". */
export function withoutSecrets(text: string): string {
  return SECRET_SHAPES.reduce((redacted, shape) => redacted.replace(shape, REDACTED), text);
}
