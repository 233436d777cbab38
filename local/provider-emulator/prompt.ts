/**
 * Prompts: the validation every generation endpoint shares (OpenAI's messages), and the font and
 * wrapping used to draw a prompt onto a video frame or an image.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { badRequest } from "./errors";
import type { Fields } from "./http";

/** DejaVu Sans from the npm package: drawing never depends on the machine's own fonts. */
export const FONT_FILE = join(
  dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")),
  "ttf",
  "DejaVuSans.ttf",
);

const MAX_PROMPT_CHARS = 32_000;
/** Lines of prompt drawn on a frame; longer prompts are cut with an ellipsis. */
const MAX_TEXT_LINES = 4;

export function requiredPrompt(fields: Fields, maxChars = MAX_PROMPT_CHARS): string {
  const prompt = fields.prompt;
  if (prompt === undefined || prompt === null) {
    throw badRequest("Missing required parameter: 'prompt'.", "prompt");
  }
  if (typeof prompt !== "string") {
    throw badRequest("Invalid type for 'prompt': expected a string.", "prompt");
  }
  if (prompt.trim().length === 0) {
    throw badRequest(
      "Invalid 'prompt': string too short. Expected a string with minimum length 1, but got an " +
        "empty string instead.",
      "prompt",
    );
  }
  if (prompt.length > maxChars) {
    throw badRequest(
      `Invalid 'prompt': string too long. Expected a string with maximum length ${maxChars}, ` +
        `but got a string with length ${prompt.length} instead.`,
      "prompt",
    );
  }
  return prompt;
}

/** Word-wraps the prompt into at most MAX_TEXT_LINES lines of about `lineChars` characters. */
export function wrapPrompt(prompt: string, lineChars: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of prompt.trim().split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (candidate.length <= lineChars) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word.slice(0, lineChars); // a single overlong word is cut
  }
  if (line) lines.push(line);
  if (lines.length <= MAX_TEXT_LINES) return lines.join("\n");
  const kept = lines.slice(0, MAX_TEXT_LINES);
  kept[MAX_TEXT_LINES - 1] = `${(kept[MAX_TEXT_LINES - 1] ?? "").slice(0, lineChars - 1)}…`;
  return kept.join("\n");
}
