/** The font and wrapping used to draw a prompt onto a video frame or an image. */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** DejaVu Sans from the npm package: drawing never depends on the machine's own fonts. */
export const FONT_FILE = join(
  dirname(createRequire(import.meta.url).resolve("dejavu-fonts-ttf/package.json")),
  "ttf",
  "DejaVuSans.ttf",
);

/** Lines of prompt drawn on a frame; longer prompts are cut with an ellipsis. */
const MAX_TEXT_LINES = 4;

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
