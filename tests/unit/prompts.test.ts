import { describe, expect, it } from "vitest";
import {
  beatCount,
  buildInput,
  buildInstructions,
  cleanModelText,
  describeChanges,
  describeFrame,
  fitToLimit,
} from "#core/prompts";
import { improvePrompt as emulatorRewrite } from "#local/providers/openai/responses";
import { ImproveRequest, MAX_PROMPT_LENGTH } from "#core/requests";

describe("the instructions", () => {
  it("cover every aspect of the guide, and the person's words", () => {
    const instructions = buildInstructions({ seconds: 8, size: "1280x720", audio: true });
    for (const label of ["Shot:", "Subject:", "Action beats:", "Camera:", "Lighting:"]) {
      expect(instructions).toContain(label);
    }
    for (const label of ["Palette:", "Mood:", "Sound:"]) expect(instructions).toContain(label);
    expect(instructions).toMatch(/in their words/);
    expect(instructions).toContain(`never more than ${MAX_PROMPT_LENGTH}`);
  });

  it("time the beats to the clip's length", () => {
    expect(buildInstructions({ seconds: 8, audio: true })).toContain(
      "3 beats, each starting with its time range",
    );
    expect(buildInstructions({ seconds: 8, audio: true })).toContain("exactly 0-8 s");
    expect(buildInstructions({ seconds: 12, audio: true })).toContain("exactly 0-12 s");
    expect(buildInstructions({ audio: true })).not.toMatch(/time range/);
  });

  it("keep a short clip to one shot", () => {
    expect(buildInstructions({ seconds: 4, audio: true })).toMatch(/One continuous shot: 4 s/);
    expect(buildInstructions({ seconds: 12, audio: true })).toMatch(/at most 3 shots/);
  });

  it("describe sound only for a model that makes it", () => {
    expect(buildInstructions({ audio: true })).toMatch(/^Sound: /m);
    expect(buildInstructions({ audio: false })).not.toMatch(/^Sound: /m);
    expect(buildInstructions({ audio: false })).toMatch(/Do not describe sound/);
  });

  it("compose for the orientation of the size", () => {
    expect(buildInstructions({ size: "720x1280", audio: true })).toContain(
      "portrait (vertical) 9:16 (720x1280)",
    );
    expect(buildInstructions({ audio: true })).not.toMatch(/Compose for/);
  });
});

describe("describeFrame and beatCount", () => {
  it.each([
    ["1280x720", "landscape 16:9 (1280x720)"],
    ["720x1280", "portrait (vertical) 9:16 (720x1280)"],
    ["1792x1024", "landscape 7:4 (1792x1024)"],
    ["1024x1792", "portrait (vertical) 4:7 (1024x1792)"],
    ["1024x1024", "square 1:1 (1024x1024)"],
  ])("%s is %s", (size, described) => expect(describeFrame(size)).toBe(described));

  it("gives two to four beats", () => {
    expect([4, 8, 12, 30].map(beatCount)).toEqual([2, 3, 4, 4]);
  });
});

describe("buildInput", () => {
  it("is the idea, with the length in words when there is one", () => {
    expect(buildInput("a fox in the snow")).toBe("a fox in the snow");
    expect(buildInput("a fox in the snow.", 8)).toBe("a fox in the snow, 8 seconds");
    expect(buildInput("a fox in the snow ;  ", 4)).toBe("a fox in the snow, 4 seconds");
  });
});

describe("cleanModelText", () => {
  it("strips fences, wrapping quotes and carriage returns", () => {
    expect(cleanModelText("```text\nA fox.\r\nShot: wide.\n```")).toBe("A fox.\nShot: wide.");
    expect(cleanModelText("```\nA fox.\n```")).toBe("A fox.");
    expect(cleanModelText('  "A fox in the snow."  ')).toBe("A fox in the snow.");
    expect(cleanModelText("“A fox.”")).toBe("A fox.");
  });

  it("keeps quotes that belong to the prompt", () => {
    const dialogue = '"Run," she says. Then she shouts "now!"';
    expect(cleanModelText(dialogue)).toBe(dialogue);
  });

  it("is empty for an empty answer", () => {
    expect(cleanModelText("  \n ")).toBe("");
  });
});

describe("fitToLimit", () => {
  it("leaves a prompt within the limit alone", () => {
    expect(fitToLimit("A fox.", 10)).toEqual({ text: "A fox.", truncated: false });
  });

  it("cuts at the last line or sentence that keeps most of it", () => {
    const text = "A fox runs.\nShot: wide. Camera: static, low.";
    expect(fitToLimit(text, 40)).toEqual({ text: "A fox runs.\nShot: wide.", truncated: true });
    expect(fitToLimit(text, 20)).toEqual({ text: "A fox runs.", truncated: true });
  });

  it("cuts at a space, else anywhere, when no sentence ends late enough", () => {
    expect(fitToLimit("Go. one two three four five", 20)).toEqual({
      text: "Go. one two three",
      truncated: true,
    });
    expect(fitToLimit("x".repeat(50), 20)).toEqual({ text: "x".repeat(20), truncated: true });
  });

  it("never exceeds the provider's limit", () => {
    const long = Array.from({ length: 900 }, (_, i) => `Beat ${i} happens.`).join(" ");
    const { text, truncated } = fitToLimit(long);
    expect(truncated).toBe(true);
    expect(text.length).toBeLessThanOrEqual(MAX_PROMPT_LENGTH);
    expect(text).toMatch(/happens\.$/);
  });
});

describe("describeChanges", () => {
  it("lists each aspect the rewrite added, and nothing the idea had", () => {
    const idea = "a neon-lit alley in the rain";
    const improved = [
      "A neon-lit alley in the rain.",
      "Shot: wide, 35mm.",
      "Action beats:",
      "- 0-3 s: rain falls.",
      "- 3-8 s: a cat crosses.",
      "Camera: slow dolly in.",
      "Palette: teal and magenta.",
      "Mood: lonely.",
      "Sound: rain on tin roofs.",
    ].join("\n");
    expect(describeChanges(idea, improved, { seconds: 8, truncated: false })).toEqual([
      "Timed the action beats to the 8-second clip",
      "Set the shot: framing and lens",
      "Added camera movement",
      "Chose a colour palette",
      "Set the mood",
      "Added sound",
    ]);
  });

  it("says when it shortened the prompt", () => {
    expect(describeChanges("x", "x", { truncated: true })).toEqual([
      "Shortened to the provider's 4,000-character limit",
    ]);
  });

  it("says so when the idea already covered everything", () => {
    expect(describeChanges("a fox", "a fox", { truncated: false })).toEqual([
      "Tightened the wording; the idea already covered the guide",
    ]);
  });

  it("reads the emulator's rewrite like a real model's", () => {
    const idea = "a paper boat drifts down a rain gutter";
    const notes = describeChanges(idea, emulatorRewrite(buildInput(idea, 12)), {
      seconds: 12,
      truncated: false,
    });
    expect(notes[0]).toBe("Timed the action beats to the 12-second clip");
    expect(notes).toEqual(
      expect.arrayContaining(["Added camera movement", "Described the lighting", "Added sound"]),
    );
  });
});

describe("ImproveRequest", () => {
  const parse = (input: unknown) => ImproveRequest.safeParse(input);

  it("needs only a prompt, trimmed", () => {
    expect(parse({ prompt: "  a fox  " })).toMatchObject({
      success: true,
      data: { prompt: "a fox" },
    });
  });

  it("takes the clip's settings, seconds as a number or digits", () => {
    expect(parse({ prompt: "a fox", seconds: "8", size: "1280x720", model: "sora-2" })).toEqual({
      success: true,
      data: { prompt: "a fox", seconds: 8, size: "1280x720", model: "sora-2" },
    });
  });

  it.each([
    ["an empty prompt", { prompt: "   " }],
    ["an over-long prompt", { prompt: "x".repeat(MAX_PROMPT_LENGTH + 1) }],
    ["no prompt", {}],
    ["seconds of the wrong type", { prompt: "a fox", seconds: [8] }],
    ["a size of the wrong type", { prompt: "a fox", size: 1280 }],
  ])("refuses %s", (_, input) => {
    expect(parse(input).success).toBe(false);
  });
});
