// The studio in real Chromium against the full local stack: sign-in, create with an improved
// prompt, live progress, playback, sprite scrubbing, remix, continuation from the last frame with a
// generated and an extracted reference, lineage, delete, sign-out.
import { statSync } from "node:fs";
import sharp from "sharp";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { newKey } from "../support/api";
import {
  backgroundPosition,
  useBrowser,
  naturalSize,
  openPage,
  playVideo,
  screenshot,
  scriptReadableState,
  signIn,
  tabTo,
  type TestPage,
} from "../support/browser";

const stack = inject("stack");
const browser = useBrowser();

/** The job page's take, once it reaches `status` (the page updates itself; no reloads). */
async function waitForStatus(page: Page, status: string, timeout = 90_000) {
  await page.locator(`.layout[data-status="${status}"]`).waitFor({ timeout });
}

const jobIdOf = (page: Page) => /\/videos\/([0-9A-Z]{26})/.exec(page.url())?.[1];

describe("signing in and out", () => {
  it("signs in with the demo access code into a sealed HttpOnly cookie, and signs out", async () => {
    const { context, page, problems } = await openPage(browser());
    await page.goto(`${stack.url}/`);
    expect(page.url()).toBe(`${stack.url}/sign-in`);
    await screenshot(page, "01-sign-in");

    await page.getByLabel("Provider key or access code").fill("not-a-code");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toContain("access code is not valid");
    await screenshot(page, "02-sign-in-error");

    await signIn(page, stack.url, stack.demoAccessCode);
    await page.getByRole("heading", { name: "Library" }).waitFor();
    const [cookie] = (await context.cookies()).filter((c) => c.name === "takes_session");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Lax", secure: false, path: "/" });
    expect(cookie!.value).not.toContain(stack.demoAccessCode);
    expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(6.9 * 24 * 3600 * 1000);
    // Nothing secret within reach of scripts.
    const visible = await scriptReadableState(page);
    expect(visible).not.toContain(stack.demoAccessCode);
    expect(visible).not.toContain("takes_session");
    await expect.poll(() => page.getByText("Access code", { exact: true }).count()).toBe(1);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${stack.url}/sign-in`);
    expect((await context.cookies()).some((c) => c.name === "takes_session")).toBe(false);
    await page.goto(`${stack.url}/new`);
    expect(page.url()).toBe(`${stack.url}/sign-in?next=%2Fnew`);
    expect(problems).toEqual([]);
    await context.close();
  });

  it("a tampered cookie reads as signed out", async () => {
    const { context, page } = await openPage(browser());
    await signIn(page, stack.url, newKey());
    const [cookie] = (await context.cookies()).filter((c) => c.name === "takes_session");
    await context.addCookies([{ ...cookie!, value: `${cookie!.value.slice(0, -4)}AAAA` }]);
    await page.goto(`${stack.url}/`);
    expect(page.url()).toBe(`${stack.url}/sign-in`);
    await context.close();
  });
});

describe("making takes", () => {
  let session: TestPage;
  let firstId: string;

  beforeAll(async () => {
    session = await openPage(browser());
    await signIn(session.page, stack.url, newKey());
  });
  afterAll(async () => {
    expect(session.problems).toEqual([]);
    await session.context.close();
  });

  it("starts from an empty library", async () => {
    const { page } = session;
    await expect.poll(() => page.getByRole("heading", { name: "No takes yet" }).count()).toBe(1);
    await screenshot(page, "03-library-empty");
  });

  it("creates a take with an improved prompt, shows its cost, and watches it finish", async () => {
    const { page } = session;
    await page.getByRole("link", { name: "New take" }).click();
    await page.waitForURL(`${stack.url}/new`);
    const prompt = page.getByRole("textbox", { name: "Prompt", exact: true });
    await prompt.fill("A paper boat drifting down a rainy gutter");
    await expect.poll(() => page.locator("#prompt-count").textContent()).toContain("41 / 4,000");

    await page.getByRole("button", { name: "Improve prompt" }).click();
    const suggestion = page.getByRole("textbox", { name: /Suggestion/ });
    await suggestion.waitFor();
    // Side by side: the original untouched, the suggestion editable, what changed listed.
    expect(await page.locator(".original").textContent()).toBe(
      "A paper boat drifting down a rainy gutter",
    );
    const suggested = await suggestion.inputValue();
    expect(suggested.length).toBeGreaterThan(100);
    expect(
      await page.getByRole("list", { name: "What changed" }).locator("li").count(),
    ).toBeGreaterThan(0);
    expect(await prompt.inputValue()).toBe("A paper boat drifting down a rainy gutter");
    await screenshot(page, "04-create-improve");

    await suggestion.fill(`${suggested}\nEdited by hand.`);
    await page.getByRole("button", { name: "Use suggestion" }).click();
    expect(await prompt.inputValue()).toBe(`${suggested}\nEdited by hand.`);
    expect(await suggestion.count()).toBe(0);

    // The estimate follows the settings: sora-2 is $0.10 a second at 720p.
    expect(await page.getByTestId("cost").textContent()).toBe("$0.80");
    await page.getByRole("radio", { name: "4 s" }).check();
    expect(await page.getByTestId("cost").textContent()).toBe("$0.40");
    await page.getByRole("combobox", { name: "Model" }).selectOption("sora-2-pro");
    expect(await page.getByTestId("cost").textContent()).toBe("$1.20");
    await page.getByRole("combobox", { name: "Model" }).selectOption("sora-2");

    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.waitForURL(/\/videos\/[0-9A-Z]{26}$/);
    firstId = jobIdOf(page)!;
    await page.getByRole("progressbar").waitFor();
    await screenshot(page, "05-job-progress");

    await waitForStatus(page, "completed");
    const video = await playVideo(page);
    expect(video.readyState).toBeGreaterThanOrEqual(2);
    expect(video.duration).toBeGreaterThan(3.5);
    expect(video.duration).toBeLessThan(4.5);
    expect(video.width).toBe(1280);
    expect(await page.locator(".prompt").textContent()).toContain("Edited by hand.");
    await screenshot(page, "06-job-playing");

    // Download: a file named after the prompt, not the player's inline URL.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Download" }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(
      /^takes-a-paper-boat-drifting-[a-z0-9-]+-[a-z0-9]{6}\.mp4$/,
    );
    expect(statSync(await download.path()).size).toBeGreaterThan(100_000);
  });

  it("lists the take with a thumbnail that scrubs through its sprite sheet", async () => {
    const { page } = session;
    await page.getByRole("link", { name: "Library" }).first().click();
    await page.waitForURL(`${stack.url}/`);
    const card = page.locator(`a.card[data-job-id="${firstId}"]`);
    await card.locator("img").waitFor();
    expect(await card.getAttribute("data-status")).toBe("completed");
    const frame = card.locator(".frame");
    const box = (await frame.boundingBox())!;
    // The box is 16:9 whatever loads into it.
    expect(box.width / box.height).toBeCloseTo(16 / 9, 1);
    await page.mouse.move(box.x + box.width * 0.05, box.y + box.height / 2);
    await card.locator(".sprite").waitFor();
    const early = await backgroundPosition(card.locator(".sprite"));
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    await expect.poll(() => backgroundPosition(card.locator(".sprite"))).not.toBe(early);
    await screenshot(page, "07-library-scrub");
    await page.mouse.move(0, 0);
    expect(await card.locator(".sprite").count()).toBe(0);

    // Keyboard: the filters, then the cards, each with a visible focus ring.
    await page.locator("body").focus();
    const focusedCard = await tabTo(page, `a.card[data-job-id="${firstId}"]`);
    expect(focusedCard.boxShadow).not.toBe("none");
    await page.keyboard.press("Enter");
    await page.waitForURL(`${stack.url}/videos/${firstId}`);
  });

  it("remixes the take; both pages show the lineage", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/videos/${firstId}`);
    await page.getByRole("textbox", { name: "Remix prompt" }).fill("Make it night, with neon");
    await page.getByRole("button", { name: "Remix", exact: true }).click();
    await page.waitForURL(
      (url) => /\/videos\/[0-9A-Z]{26}$/.test(url.pathname) && !url.pathname.endsWith(firstId),
    );
    const remixId = jobIdOf(page)!;
    // The library follows running takes by itself: no reload until the remix is ready.
    await page.getByRole("link", { name: "Library", exact: true }).first().click();
    await page.waitForURL(`${stack.url}/`);
    const remixCard = page.locator(`a.card[data-job-id="${remixId}"]`);
    expect(await remixCard.getAttribute("data-status")).not.toBe("completed");
    await remixCard.getByRole("progressbar").waitFor();
    await screenshot(page, "08-library-progress");
    await page.locator(`a.card[data-job-id="${remixId}"][data-status="completed"] img`).waitFor({
      timeout: 90_000,
    });
    await remixCard.click();
    await waitForStatus(page, "completed");
    const madeFrom = page.getByRole("list", { name: "Made from", exact: true });
    expect(await madeFrom.locator(`a[data-job-id="${firstId}"]`).count()).toBe(1);
    await screenshot(page, "09-remix");

    await page.goto(`${stack.url}/videos/${firstId}`);
    const children = page.getByRole("list", { name: "Made from this take" });
    expect(await children.locator(`a[data-job-id="${remixId}"]`).count()).toBe(1);
  });

  it("continues from the last frame, on a generated reference too", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/videos/${firstId}`);
    await page.getByRole("link", { name: "Continue from last frame" }).click();
    await page.waitForURL(`${stack.url}/new?from=${firstId}&frame=last`);
    // Prefilled: the take's settings, its prompt, and its last frame as the reference.
    expect(await page.getByRole("radio", { name: "From a take" }).isChecked()).toBe(true);
    const lastFrame = page.locator(`input[name="frame"][value="${firstId}:last"]`);
    expect(await lastFrame.isChecked()).toBe(true);
    expect(await page.locator('input[name="frame"]:checked').count()).toBe(1);
    // The picker offers both frames of every finished take, by name.
    expect(await page.getByRole("radio", { name: /^First frame of “A paper boat/ }).count()).toBe(
      1,
    );
    expect(await page.getByRole("radio", { name: "4 s" }).isChecked()).toBe(true);
    await page
      .getByRole("textbox", { name: "Prompt", exact: true })
      .fill("The boat reaches a storm drain and tips over the edge");
    await screenshot(page, "10-continue-form");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.waitForURL(/\/videos\/[0-9A-Z]{26}$/);
    const continuedId = jobIdOf(page)!;
    await waitForStatus(page, "completed");
    expect(
      await page
        .getByRole("list", { name: "Made from", exact: true })
        .locator(`a[data-job-id="${firstId}"]`)
        .count(),
    ).toBe(1);
    await screenshot(page, "11-continued");

    // A reference generated from a prompt, at the video's size.
    await page.goto(`${stack.url}/new`);
    await page
      .getByRole("textbox", { name: "Prompt", exact: true })
      .fill("A lighthouse at dusk, waves rolling in");
    await page.getByRole("radio", { name: /720×1280/ }).check();
    await page.getByRole("radio", { name: "Generate" }).check();
    await page
      .getByRole("textbox", { name: "Describe the opening frame" })
      .fill("A white lighthouse on a cliff at dusk");
    await page.getByRole("button", { name: "Generate image" }).click();
    const preview = page.getByRole("img", { name: /^Generated reference/ });
    await preview.waitFor();
    const size = await naturalSize(preview);
    expect(size).toEqual([720, 1280]);
    await screenshot(page, "12-generated-reference");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.waitForURL(/\/videos\/[0-9A-Z]{26}$/);
    expect(jobIdOf(page)).not.toBe(continuedId);
    await waitForStatus(page, "completed");
    const portrait = await playVideo(page);
    expect(portrait.width).toBe(720);
  });

  it("uploads a reference image with a preview, and maps a bad one to the field", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/new`);
    await page
      .getByRole("textbox", { name: "Prompt", exact: true })
      .fill("Clouds drifting over a hill");
    await page.getByRole("radio", { name: "Upload" }).check();
    const png = await sharp({
      create: { width: 640, height: 480, channels: 3, background: { r: 30, g: 90, b: 160 } },
    })
      .png()
      .toBuffer();
    await page
      .getByLabel("Image file")
      .setInputFiles({ name: "sky.png", mimeType: "image/png", buffer: png });
    await page.getByRole("img", { name: "Preview of sky.png" }).waitFor();
    await screenshot(page, "13-upload-preview");

    await page.getByLabel("Image file").setInputFiles({
      name: "notes.png",
      mimeType: "image/png",
      buffer: Buffer.from("this is not an image"),
    });
    // The browser cannot show it: said at once, before any upload.
    const error = page.locator("#reference-error");
    await expect.poll(() => error.textContent()).toContain("not an image");
    // The server's check says the same in its words, beside the same field.
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await expect.poll(() => error.textContent()).toMatch(/PNG, JPEG or WebP/);
    expect(page.url()).toBe(`${stack.url}/new`);
    await screenshot(page, "14-reference-error");
  });

  it("shows an empty prompt's error beside the field", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/new`);
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.locator("#prompt-error").waitFor();
    expect(await page.locator("#prompt-error").textContent()).toBe("Write a prompt.");
    expect(
      await page.getByRole("textbox", { name: "Prompt", exact: true }).getAttribute("aria-invalid"),
    ).toBe("true");
  });

  it("deletes a take after confirming", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/videos/${firstId}`);
    await page.getByText("Delete…").click();
    await screenshot(page, "15-delete-confirm");
    await page.getByRole("button", { name: "Delete permanently" }).click();
    await page.waitForURL(`${stack.url}/?deleted=1`);
    await page.getByRole("status").filter({ hasText: "Take deleted" }).waitFor();
    expect(await page.locator(`a.card[data-job-id="${firstId}"]`).count()).toBe(0);
    await screenshot(page, "16-library-after-delete");
    const gone = await page.goto(`${stack.url}/videos/${firstId}`);
    expect(gone?.status()).toBe(404);
  });

  it("filters the library by status", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/`);
    await page.getByRole("link", { name: "Failed" }).click();
    await page.waitForURL(`${stack.url}/?status=failed`);
    await page.getByRole("heading", { name: "Nothing here" }).waitFor();
    await page.getByRole("link", { name: "Ready" }).click();
    await page.waitForURL(`${stack.url}/?status=completed`);
    expect(await page.locator("a.card").count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('a.card:not([data-status="completed"])').count()).toBe(0);
  });
});
