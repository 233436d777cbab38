// The studio with JavaScript off: every step is a plain form post or link (SvelteKit form
// actions), so sign-in, improving a prompt, generating a reference, creating, deleting and paging
// the library all still work. Also the library's failed and expired states and "Load more".
import type { Page } from "playwright-core";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ownerIdFor } from "#core/identity";
import { createJob } from "#core/jobs/repository";
import { expireJob, failJob } from "#core/pipeline/failures";
import { newKey } from "../support/api";
import { useBrowser, openPage, screenshot, signIn } from "../support/browser";

const stack = inject("stack");
const browser = useBrowser();

/** Reloads the job page until the server renders it in `status`: without script it cannot update itself. */
async function reloadUntil(page: Page, status: string, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await page.locator(`.layout[data-status="${status}"]`).count()) > 0) return;
    if (Date.now() > deadline) throw new Error(`the take never became ${status}`);
    await page.waitForTimeout(1000);
    await page.reload();
  }
}

describe("without JavaScript", () => {
  it("signs in, improves a prompt, generates a reference and creates a take with form posts", async () => {
    const { context, page, problems } = await openPage(browser(), { javaScriptEnabled: false });
    await signIn(page, stack.url, newKey());
    await page.goto(`${stack.url}/new`);

    // An empty prompt: the server answers with the error beside the field.
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.locator("#prompt-error").waitFor();
    expect(await page.locator("#prompt-error").textContent()).toBe("Write a prompt.");
    await screenshot(page, "nojs-01-error");

    const prompt = page.getByRole("textbox", { name: "Prompt", exact: true });
    await prompt.fill("A hot air balloon over a misty valley");
    await page.getByRole("radio", { name: /720×1280/ }).check();
    await page.getByRole("radio", { name: "4 s" }).check();
    await page.getByRole("button", { name: "Improve prompt" }).click();
    const suggestion = page.getByRole("textbox", { name: /Suggestion/ });
    await suggestion.waitFor();
    // The round trip kept every other choice.
    expect(await page.getByRole("radio", { name: /720×1280/ }).isChecked()).toBe(true);
    expect(await page.getByRole("radio", { name: "4 s" }).isChecked()).toBe(true);
    expect(await page.locator(".original").textContent()).toBe(
      "A hot air balloon over a misty valley",
    );
    await screenshot(page, "nojs-02-improve");
    const suggested = await suggestion.inputValue();
    await page.getByRole("button", { name: "Use suggestion" }).click();
    await expect.poll(() => prompt.inputValue()).toBe(suggested);
    expect(await suggestion.count()).toBe(0);

    // The reference panels are shown by the chosen radio through CSS alone.
    await page.getByRole("radio", { name: "Generate" }).check();
    const imagePrompt = page.getByRole("textbox", { name: "Describe the opening frame" });
    expect(await imagePrompt.isVisible()).toBe(true);
    await imagePrompt.fill("A striped balloon above the clouds");
    await page.getByRole("button", { name: "Generate image" }).click();
    await page.getByRole("img", { name: /^Generated reference/ }).waitFor();
    expect(await prompt.inputValue()).toBe(suggested);
    await screenshot(page, "nojs-03-reference");

    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.waitForURL(/\/videos\/[0-9A-Z]{26}$/);
    await reloadUntil(page, "completed");
    const video = page.locator("video");
    expect(await video.getAttribute("src")).toMatch(/video\.mp4/);
    expect(await video.getAttribute("poster")).toMatch(/thumbnail\.webp/);
    expect(await page.getByText("720×1280").count()).toBeGreaterThan(0);
    await screenshot(page, "nojs-04-job");

    // Delete: the confirmation is a disclosure, no script needed.
    await page.getByText("Delete…").click();
    await page.getByRole("button", { name: "Delete permanently" }).click();
    await page.waitForURL(`${stack.url}/?deleted=1`);
    expect(await page.locator("a.card").count()).toBe(0);

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL(`${stack.url}/sign-in`);
    expect(problems).toEqual([]);
    await context.close();
  });
});

describe("a long library", () => {
  const key = newKey();
  const ids: string[] = [];

  beforeAll(async () => {
    // Thirty takes, seeded straight into the table: pages of 24, with failed and expired ones.
    const owner = ownerIdFor(key);
    for (let index = 0; index < 30; index++) {
      const job = await createJob({
        owner,
        provider: "openai",
        providerJobId: `video_seed_${index}`,
        model: "sora-2",
        prompt: `Seeded take number ${index + 1}`,
        seconds: 4,
        size: index % 2 ? "1280x720" : "720x1280",
        // Never polled: they end below, before anything looks at them.
        nextPollAt: Date.now() + 24 * 3600 * 1000,
      });
      if (index % 3 === 0) {
        await expireJob(job, {
          code: "content_expired",
          message: "The provider stopped serving this video before it was copied.",
        });
      } else {
        await failJob(job, {
          code: "moderation_blocked",
          message: "The provider declined this prompt under its content policy.",
        });
      }
      ids.push(job.id);
    }
  });

  it("shows failed and expired takes with their reasons, and pages with a link", async () => {
    const { context, page } = await openPage(browser(), { javaScriptEnabled: false });
    await signIn(page, stack.url, key);
    expect(await page.locator("a.card").count()).toBe(24);
    const newest = page.locator(`a.card[data-job-id="${ids.at(-1)}"]`);
    expect(await newest.getAttribute("data-status")).toBe("failed");
    expect(await newest.textContent()).toContain("content policy");
    const expired = page.locator(`a.card[data-job-id="${ids[27]}"]`);
    expect(await expired.getAttribute("data-status")).toBe("expired");
    expect(await expired.textContent()).toContain("stopped serving");
    await screenshot(page, "nojs-05-library-states");

    const more = page.getByRole("link", { name: "Load more" });
    expect(await more.getAttribute("href")).toMatch(/^\.?\/\?cursor=/);
    await more.click();
    await page.waitForURL(/\/\?cursor=/);
    expect(await page.locator("a.card").count()).toBe(6);
    expect(await page.locator(`a.card[data-job-id="${ids[0]}"]`).count()).toBe(1);
    expect(await page.getByRole("link", { name: "Load more" }).count()).toBe(0);
    await page.getByRole("link", { name: "Back to the newest" }).waitFor();

    await page.goto(`${stack.url}/?status=expired`);
    expect(await page.locator("a.card").count()).toBe(10);
    expect(await page.locator('a.card:not([data-status="expired"])').count()).toBe(0);
    await context.close();
  });

  it("with JavaScript, Load more appends the next page in place", async () => {
    const { context, page, problems } = await openPage(browser());
    await signIn(page, stack.url, key);
    expect(await page.locator("a.card").count()).toBe(24);
    await page.getByRole("link", { name: "Load more" }).click();
    await expect.poll(() => page.locator("a.card").count()).toBe(30);
    expect(page.url()).toBe(`${stack.url}/`);
    expect(await page.getByRole("link", { name: "Load more" }).count()).toBe(0);
    expect(problems).toEqual([]);
    await context.close();
  });
});
