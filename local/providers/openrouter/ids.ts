/** OpenRouter's ids: `gen-<unix s>-<20 alphanumerics>`, `gen-vid-…` for video jobs. */
import { randomBytes } from "node:crypto";

const ALPHANUMERICS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function generationId(prefix: "gen" | "gen-vid"): string {
  const random = [...randomBytes(20)].map((byte) => ALPHANUMERICS[byte % 62]).join("");
  return `${prefix}-${Math.floor(Date.now() / 1000)}-${random}`;
}
