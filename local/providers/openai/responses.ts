/**
 * `POST /v1/responses`, enough of it for Takes' "improve my prompt": the user's idea rewritten,
 * deterministically, into a production video prompt (shot, subject, action beats, camera,
 * lighting, palette, mood, sound). It keeps the person's own words and, when the idea mentions a
 * length in seconds, times the beats to it. The SDK's `output_text` reads it like a real reply.
 */
import { createHash, randomBytes } from "node:crypto";
import { badRequest } from "./errors";
import { readFields, sendJson, type Route } from "../shared/http";

const SHOTS = [
  "Medium shot at eye level",
  "Wide establishing shot",
  "Slow push-in from wide to medium",
  "Low-angle tracking shot",
  "Over-the-shoulder medium close-up",
];
const CAMERAS = [
  "35mm lens, steady dolly forward",
  "handheld with a gentle sway, 28mm lens",
  "slow crane up, 24mm lens",
  "locked-off tripod, 50mm lens, shallow depth of field",
  "smooth gimbal arc around the subject, 35mm lens",
];
const LIGHTING = [
  "soft golden-hour backlight with long shadows",
  "diffuse overcast daylight, gentle contrast",
  "warm practical lamps against a cool blue ambient fill",
  "crisp high-contrast sunlight with hard shadows",
  "low-key light with a single rim light",
];
const PALETTES = [
  "warm ambers and deep teals",
  "muted earth tones with one saturated accent",
  "pastel blues and soft pinks",
  "bold saturated primaries",
  "desaturated greens and cool greys",
];
const MOODS = [
  "calm and full of wonder",
  "tense and expectant",
  "playful and light",
  "quiet and nostalgic",
  "energetic and bold",
];
const SOUNDS = [
  "natural ambience of the place, soft wind, no music",
  "close foley of the main action over a low room tone",
  "distant city hum with a light, sparse score",
  "gentle ambient pad under natural sound effects",
  "crisp environmental sound, footsteps and movement, no dialogue",
];

interface InputMessage {
  role?: unknown;
  content?: unknown;
}

/** The text of a message's content: a string, or the text parts of a content array. */
function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return "";
  return content
    .map((part: { text?: unknown }) => (typeof part?.text === "string" ? part.text : ""))
    .filter(Boolean)
    .join("\n");
}

/** The idea to rewrite: the input string, or the last user message of a message array. */
export function ideaOf(input: unknown): string {
  if (typeof input === "string") return input.trim();
  if (Array.isArray(input)) {
    const messages = input as InputMessage[];
    const user = messages.filter((message) => message?.role === "user").pop();
    const text = user
      ? contentText(user.content)
      : messages.map((m) => contentText(m?.content)).join("\n");
    return text.trim();
  }
  return "";
}

/** A length in seconds the idea mentions ("8 s", "12-second", "4 seconds"), if any. */
function mentionedSeconds(idea: string): number | null {
  const match = /\b(\d{1,3}(?:\.\d+)?)\s*-?\s*(?:s|secs?|seconds?)\b/i.exec(idea);
  const seconds = match ? Number(match[1]) : NaN;
  return seconds > 0 && seconds <= 120 ? seconds : null;
}

/** Deterministic choice: the same idea always gets the same style. */
function pick<T>(options: readonly T[], hash: Buffer, index: number): T {
  return options[(hash[index] ?? 0) % options.length] as T;
}

const sentence = (text: string) => (/[.!?…]$/.test(text) ? text : `${text}.`);

/**
 * The idea without its length ("…, 8 seconds") or a leading "clip:" / "a video of", for the lines
 * that describe the picture.
 */
const pictureOf = (idea: string) =>
  idea
    .replace(/[,;]?\s*\b\d{1,3}(?:\.\d+)?\s*-?\s*(?:s|secs?|seconds?)\b(?:\s+long)?/gi, "")
    .replace(/^\s*(?:an?\s+)?(?:clip|video|shot|scene)\s*(?:of\b|:|-)?\s*/i, "")
    .trim();

export function improvePrompt(idea: string): string {
  const hash = createHash("sha256").update(idea).digest();
  const words = idea.replace(/\s+/g, " ").trim();
  const picture = pictureOf(words) || words;
  // The subject is the idea's first clause; what follows it (if anything) is the action.
  const [subject = picture, ...rest] = picture.split(/\s*(?:[.,;:!?]|\bwhile\b|\bas\b)\s*/i);
  const action = rest.filter(Boolean).join(", ");
  const middle = action
    ? `${subject}, ${action}`
    : `${picture}, the movement unfolding at a natural pace`;
  const seconds = mentionedSeconds(words);
  const thirds =
    seconds === null
      ? ["Opening", "Middle", "End"]
      : [
          `0-${Math.round(seconds / 3)} s`,
          `${Math.round(seconds / 3)}-${Math.round((2 * seconds) / 3)} s`,
          `${Math.round((2 * seconds) / 3)}-${seconds} s`,
        ];
  const beats = [
    `${thirds[0]}: open on ${subject}, the setting clear before anything moves.`,
    `${thirds[1]}: ${sentence(middle)}`,
    `${thirds[2]}: hold on ${subject} for a clear, well-composed final frame.`,
  ];
  const length =
    seconds === null ? "one continuous take" : `${seconds} seconds, one continuous take`;
  return [
    sentence(words),
    "",
    `Shot: ${pick(SHOTS, hash, 0)}, ${length}.`,
    `Subject: ${subject}.`,
    "Action beats:",
    ...beats.map((beat) => `- ${beat}`),
    `Camera: ${pick(CAMERAS, hash, 1)}.`,
    `Lighting: ${pick(LIGHTING, hash, 2)}.`,
    `Palette: ${pick(PALETTES, hash, 3)}.`,
    `Mood: ${pick(MOODS, hash, 4)}.`,
    `Sound: ${pick(SOUNDS, hash, 5)}.`,
  ].join("\n");
}

/** A rough token count (about four characters a token), for a plausible `usage`. */
const tokens = (text: string) => Math.max(1, Math.ceil(text.length / 4));

export function responseRoutes(): Route[] {
  return [
    {
      method: "POST",
      path: /^\/responses$/,
      async handle({ req, res }) {
        const fields = await readFields(req);
        if (typeof fields.model !== "string" || fields.model === "") {
          throw badRequest("Missing required parameter: 'model'.", "model");
        }
        const idea = ideaOf(fields.input);
        if (!idea) throw badRequest("Missing required parameter: 'input'.", "input");
        const instructions = typeof fields.instructions === "string" ? fields.instructions : null;
        const text = improvePrompt(idea);
        const inputTokens = tokens(idea) + (instructions ? tokens(instructions) : 0);
        const outputTokens = tokens(text);
        sendJson(res, 200, {
          id: `resp_${randomBytes(24).toString("hex")}`,
          object: "response",
          created_at: Math.floor(Date.now() / 1000),
          status: "completed",
          error: null,
          incomplete_details: null,
          instructions,
          model: fields.model,
          output: [
            {
              type: "message",
              id: `msg_${randomBytes(24).toString("hex")}`,
              status: "completed",
              role: "assistant",
              content: [{ type: "output_text", text, annotations: [] }],
            },
          ],
          parallel_tool_calls: true,
          tool_choice: "auto",
          tools: [],
          usage: {
            input_tokens: inputTokens,
            output_tokens: outputTokens,
            total_tokens: inputTokens + outputTokens,
          },
        });
      },
    },
  ];
}
