// The studio on a 360 x 740 phone screen: nothing scrolls sideways, every step stays reachable,
// and a take can be made, watched and played from start to finish.
import { describe, expect, inject, it } from "vitest";
import { newKey } from "../support/api";
import {
  horizontalOverflow,
  useBrowser,
  MOBILE,
  openPage,
  playVideo,
  screenshot,
  signIn,
} from "../support/browser";

const stack = inject("stack");
const browser = useBrowser();

describe("on a phone", () => {
  it("signs in, creates a take, follows it and plays it, without sideways scrolling", async () => {
    const { context, page, problems } = await openPage(browser(), {
      viewport: MOBILE,
      mobile: true,
    });
    await page.goto(`${stack.url}/sign-in`);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "mobile-01-sign-in");
    await signIn(page, stack.url, newKey());
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "mobile-02-library-empty");

    await page.getByRole("link", { name: "New take" }).click();
    await page.waitForURL(`${stack.url}/new`);
    expect(await horizontalOverflow(page)).toBe(0);
    await page
      .getByRole("textbox", { name: "Prompt", exact: true })
      .fill("A cat on a windowsill watching snow fall, soft morning light");
    await page.getByRole("radio", { name: /720×1280/ }).check();
    await page.getByRole("radio", { name: "4 s" }).check();
    await page.getByRole("button", { name: "Improve prompt" }).click();
    await page.getByRole("textbox", { name: /Suggestion/ }).waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "mobile-03-create");
    await page.getByRole("button", { name: "Use suggestion" }).click();

    const generate = page.getByRole("button", { name: "Generate", exact: true });
    await generate.scrollIntoViewIfNeeded();
    await generate.tap();
    await page.waitForURL(/\/videos\/[0-9A-Z]{26}$/);
    await page.getByRole("progressbar").waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "mobile-04-progress");

    await page.locator('.layout[data-status="completed"]').waitFor({ timeout: 90_000 });
    const video = page.locator("video");
    const box = (await video.boundingBox())!;
    // A portrait take fits the screen's width and most of its height.
    expect(box.width).toBeLessThanOrEqual(MOBILE.width);
    expect(box.height).toBeLessThanOrEqual(MOBILE.height * 0.8);
    const { duration } = await playVideo(page);
    expect(duration).toBeGreaterThan(3.5);
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "mobile-05-job");

    await page.getByRole("link", { name: "Library" }).first().tap();
    await page.waitForURL(`${stack.url}/`);
    await page.locator('a.card[data-status="completed"] img').waitFor();
    expect(await horizontalOverflow(page)).toBe(0);
    await screenshot(page, "mobile-06-library");
    expect(problems).toEqual([]);
    await context.close();
  });
});
