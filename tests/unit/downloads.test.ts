import { describe, expect, it } from "vitest";
import { fileSlug } from "#core/videos/index";

describe("download file names", () => {
  it("are the prompt's words, safe anywhere", () => {
    expect(fileSlug("A paper boat, drifting!")).toBe("a-paper-boat-drifting");
    expect(fileSlug("Café au lait — à la plage")).toBe("cafe-au-lait-a-la-plage");
    expect(fileSlug('"; rm -rf / #')).toBe("rm-rf");
    expect(fileSlug("一只猫")).toBe("take");
    expect(fileSlug("word ".repeat(40)).length).toBeLessThanOrEqual(48);
    expect(fileSlug("word ".repeat(40))).not.toMatch(/-$/);
  });
});
