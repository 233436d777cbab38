import { TakesError } from "./errors";
import { fn } from "./fn";
import { parseSize } from "./media/fit";
import { checkClipSettings } from "./caller-providers";
import type { ResolvedCredential } from "./credentials";
import { toolFor, whileWaiting } from "./tools";
import { withToolUse } from "./tool-budget";
import { checkRateLimit } from "./rate-limit";
import { ImproveRequest, MAX_PROMPT_LENGTH } from "./requests";
import type { ImprovedPrompt } from "./responses";

/**
 * Prompt improvement: a text model rewrites a rough idea into a production-ready video prompt,
 * following a video prompting guide (shot, subject, timed action beats, camera, lighting, palette,
 * mood, sound), and Takes lists what the rewrite added. The notes are worked out here from the two
 * texts rather than asked of the model, so they are the same against a real model, a gateway or
 * the emulator, and never claim something the prompt does not contain.
 */

/** Aim well under the provider's limit: video models follow a focused prompt better. */
const TARGET_LENGTH = "600 to 1,500";

/** "landscape 16:9 (1280x720)". */
export function describeFrame(size: string): string {
  const { width, height } = parseSize(size);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const d = gcd(width, height);
  const shape = width > height ? "landscape" : width < height ? "portrait (vertical)" : "square";
  return `${shape} ${width / d}:${height / d} (${size})`;
}

/** Beats long enough to read on screen: about one per three seconds, two to four of them. */
export const beatCount = (seconds: number) => Math.min(4, Math.max(2, Math.round(seconds / 3)));

export interface ClipSettings {
  seconds?: number;
  size?: string;
  /** Whether the video model generates sound, so the prompt may describe it. */
  audio: boolean;
}

/** The instructions (system prompt) for the text model: the video prompting guide, made specific. */
export function buildInstructions(clip: ClipSettings): string {
  const { seconds, size, audio } = clip;
  const shots =
    seconds === undefined
      ? "One continuous shot, or a short sequence of at most three shots."
      : seconds <= 4
        ? `One continuous shot: ${seconds} seconds leaves no room for cuts.`
        : `One continuous shot, or a short sequence of at most ${Math.floor(seconds / 4)} shots.`;
  const beats =
    seconds === undefined
      ? "Action beats: two to four beats in order, each one clear, visible movement."
      : `Action beats: ${beatCount(seconds)} beats, each starting with its time range in seconds ` +
        `("0-3 s: ..."), together covering exactly 0-${seconds} s. Only as much action as fits ` +
        `in ${seconds} seconds.`;
  const sound = audio
    ? "Sound: ambience, effects, music or short dialogue that fit the scene; keep any line of " +
      "dialogue the person wrote, word for word."
    : "Do not describe sound: this video model makes silent video.";
  const frame = size
    ? `Compose for a ${describeFrame(size)} frame: place the subject and the movement so they ` +
      "read in that shape."
    : "";
  return [
    "You rewrite a person's rough idea into one production-ready prompt for an AI video model.",
    "",
    "Keep their intent: every subject, action, place, name and quoted line they wrote stays, in " +
      "their words where possible. Add what a director would specify; never change what they " +
      "asked for, and never add text overlays, captions or logos they did not ask for. Write in " +
      "the language of the idea.",
    "",
    "Start with one sentence that states the idea, then one line for each of these, with its label:",
    `Shot: ${shots} Framing and lens.`,
    "Subject: who or what, with concrete visual detail (appearance, clothing, materials).",
    beats,
    "Camera: framing and movement (static, dolly, pan, tracking, handheld...), one move per shot.",
    "Lighting: the light sources, direction and quality, and the time of day.",
    "Palette: three to five colours.",
    "Mood: the feeling, in a few words.",
    sound,
    ...(frame ? [frame] : []),
    "",
    `Length: ${TARGET_LENGTH} characters, never more than ${MAX_PROMPT_LENGTH}.`,
    "Answer with the prompt only: no preamble, no markdown, no quotes around it.",
  ].join("\n");
}

/**
 * The text the model rewrites: the idea, with the clip's length said in words. The instructions
 * say it too, but a length in the idea itself is what even a plain rewriter (the emulator) times
 * its beats to.
 */
export function buildInput(idea: string, seconds?: number): string {
  if (seconds === undefined) return idea;
  return `${idea.replace(/[\s.,;:]+$/, "")}, ${seconds} seconds`;
}

/** The model's answer without what chat habits wrap around it: code fences, quotes, CRs. */
export function cleanModelText(text: string): string {
  let cleaned = text.replace(/\r\n?/g, "\n").trim();
  const fenced = /^```[\w-]*\n([\s\S]*?)\n?```$/.exec(cleaned);
  if (fenced) cleaned = fenced[1]!.trim();
  const quoted = /^(["“])([\s\S]*)(["”])$/.exec(cleaned);
  if (quoted && !quoted[2]!.includes('"')) cleaned = quoted[2]!.trim();
  return cleaned;
}

/**
 * The prompt cut to the provider's limit, at the last line or sentence end that keeps most of it
 * (else the last space), so a long rewrite stays usable rather than failing the create.
 */
export function fitToLimit(text: string, limit = MAX_PROMPT_LENGTH) {
  if (text.length <= limit) return { text, truncated: false };
  const head = text.slice(0, limit);
  let boundary = -1;
  for (const end of head.matchAll(/[.!?…](?=\s)|\n/g)) {
    boundary = end.index + (end[0] === "\n" ? 0 : 1);
  }
  const cut = boundary >= limit / 2 ? boundary : head.lastIndexOf(" ");
  return { text: head.slice(0, cut > 0 ? cut : limit).trimEnd(), truncated: true };
}

/** What the guide asks a prompt to cover, and how to tell that a text covers it. */
const ASPECTS: ReadonlyArray<{ note: string; pattern: RegExp }> = [
  {
    note: "Set the shot: framing and lens",
    pattern:
      /\b(shot|close[- ]?ups?|wide|medium|framing|framed|lens|\d{2,3}\s?mm|angle|overhead|aerial|pov)\b/i,
  },
  {
    note: "Added camera movement",
    pattern:
      /\b(camera|dolly|pans?|panning|tilts?|tracking|handheld|crane|push[- ]in|pull[- ]back|orbits?|static|locked[- ]off|zooms?|steadicam|gimbal)\b/i,
  },
  {
    note: "Described the lighting",
    pattern:
      /\b(light|lighting|lit|sunlight|moonlight|sunset|sunrise|golden hour|neon|shadows?|backlit|glow|dusk|dawn)\b/i,
  },
  {
    note: "Chose a colour palette",
    pattern:
      /\b(palette|colou?rs?|hues?|tones?|teal|amber|pastel|monochrome|saturated|desaturated)\b/i,
  },
  {
    note: "Set the mood",
    pattern: /\b(mood|atmosphere|feel|feeling|melanchol\w*|joyful|tense|serene|dreamy|eerie)\b/i,
  },
  {
    note: "Added sound",
    pattern: /\b(sound|audio|music|ambien\w*|dialogue|voice|silence|score|footsteps)\b/i,
  },
];

/** A time range such as "0-3 s", "3–5s" or "4-8 seconds". */
const TIMED_BEAT = /\b\d+(?:\.\d+)?\s*[-–]\s*\d+(?:\.\d+)?\s*s(?:ec(?:ond)?s?)?\b/i;
const ORIENTATION = /\b(landscape|portrait|vertical|horizontal|widescreen|\d{1,2}:\d{1,2})\b/i;

/** What the rewrite added to the idea, aspect by aspect, as short notes for the person. */
export function describeChanges(
  idea: string,
  improved: string,
  context: { seconds?: number; truncated: boolean },
): string[] {
  const notes: string[] = [];
  if (TIMED_BEAT.test(improved) && !TIMED_BEAT.test(idea)) {
    notes.push(
      context.seconds === undefined
        ? "Timed the action beats"
        : `Timed the action beats to the ${context.seconds}-second clip`,
    );
  }
  for (const { note, pattern } of ASPECTS) {
    if (pattern.test(improved) && !pattern.test(idea)) notes.push(note);
  }
  if (ORIENTATION.test(improved) && !ORIENTATION.test(idea)) {
    notes.push("Composed for the frame's orientation");
  }
  if (context.truncated) {
    notes.push(
      `Shortened to the provider's ${MAX_PROMPT_LENGTH.toLocaleString("en")}-character limit`,
    );
  }
  if (notes.length === 0) notes.push("Tightened the wording; the idea already covered the guide");
  return notes;
}

/**
 * A production-ready prompt from a rough idea, through the caller's provider credential. An access
 * code pays one tool use, given back unless the model answers with a prompt.
 */
export const improvePrompt = fn(
  ImproveRequest,
  async (caller: ResolvedCredential, request): Promise<ImprovedPrompt> => {
    // The clip settings are a video model's; a setting none of the caller's offers is a mistake.
    const clip = checkClipSettings(caller, request);
    const { provider, credential, model } = toolFor(caller, "text");
    await checkRateLimit(caller.ownerId, "improve");
    const instructions = buildInstructions({
      seconds: request.seconds,
      size: request.size,
      audio: clip.sound,
    });
    const input = buildInput(request.prompt, request.seconds);
    const text = await withToolUse(caller, "text", async () => {
      const reply = await whileWaiting("text", (signal) =>
        provider.writeText!(credential, { instructions, input, model, signal }),
      );
      const cleaned = cleanModelText(reply);
      if (!cleaned) {
        throw new TakesError(
          502,
          "provider_empty_reply",
          "The text model returned no prompt; try again.",
        );
      }
      return cleaned;
    });
    const { text: prompt, truncated } = fitToLimit(text);
    return {
      prompt,
      notes: describeChanges(request.prompt, prompt, { seconds: request.seconds, truncated }),
    };
  },
);
