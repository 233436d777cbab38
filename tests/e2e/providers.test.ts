// Choosing a provider and a model in real Chromium: the picker offers only what the credential
// can use, each model's own durations, sizes and sound, its list price; a Runway key shows its
// credit balance; a fal take's progress is marked as an estimate.
import { randomBytes, randomUUID } from "node:crypto";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  openPage,
  playVideo,
  screenshot,
  signIn,
  useBrowser,
  type TestPage,
} from "../support/browser";

const stack = inject("stack");
const browser = useBrowser();

const model = (page: Page) => page.getByRole("combobox", { name: "Model" });
const provider = (page: Page) => page.getByRole("combobox", { name: "Provider" });
const durations = (page: Page) =>
  page
    .getByRole("group", { name: "Duration" })
    .getByRole("radio")
    .evaluateAll((radios) => radios.map((radio) => (radio as unknown as { value: string }).value));

describe("an access code: every provider the operator set up", () => {
  let session: TestPage;
  beforeAll(async () => {
    session = await openPage(browser());
    await signIn(session.page, stack.url, stack.demoAccessCode);
  });
  afterAll(() => session?.context.close());

  it("offers each provider's own models, with each model's durations and price", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/new`);
    const offered = await provider(page)
      .locator("option")
      .evaluateAll((options) => options.map((option) => option.textContent));
    expect(offered).toEqual([
      "Runway",
      "fal",
      "OpenRouter",
      "Amazon Bedrock",
      "OpenAI-compatible gateway",
    ]);

    await provider(page).selectOption("runway");
    await model(page).selectOption("veo3.1");
    expect(await durations(page)).toEqual(["4", "6", "8"]);
    await page.getByRole("radio", { name: "8 s" }).check();
    // Veo 3.1 on Runway: 40 credits a second with sound, 20 without ($0.01 a credit).
    expect(await page.getByTestId("cost").textContent()).toBe("$3.20");
    await page.getByRole("checkbox", { name: /Sound/ }).uncheck();
    expect(await page.getByTestId("cost").textContent()).toBe("$1.60");
    await screenshot(page, "30-create-runway-veo");

    await model(page).selectOption("gen4.5");
    expect(await durations(page)).toEqual(["2", "3", "4", "5", "6", "7", "8", "9", "10"]);
    expect(await page.getByRole("checkbox", { name: /Sound/ }).count()).toBe(0);
    expect(await page.getByText("Gen-4.5 makes silent video.").count()).toBe(1);

    await provider(page).selectOption("fal");
    expect(await model(page).inputValue()).toBe("veo3.1");
    await model(page).selectOption("kling-v3-pro");
    // The length carries over where the new model has it; the size follows the model's own.
    expect(await page.getByRole("radio", { name: "8 s" }).isChecked()).toBe(true);
    expect(
      await page
        .locator('input[name="size"]:checked')
        .evaluate((input) => (input as unknown as { value: string }).value),
    ).toBe("1920x1080");
    expect(await page.getByText(/Progress is estimated/).count()).toBe(1);

    // OpenRouter's models and prices come from its model listing: Veo 3.1 Fast at 720p is
    // $0.10 a second with sound, $0.08 without.
    await provider(page).selectOption("openrouter");
    await model(page).selectOption("google/veo-3.1-fast");
    expect(await durations(page)).toEqual(["4", "6", "8"]);
    await page.getByRole("radio", { name: "4 s" }).check();
    await page.locator('input[name="size"][value="1280x720"]').check();
    await page.getByRole("checkbox", { name: /Sound/ }).check();
    expect(await page.getByTestId("cost").textContent()).toBe("$0.40");
    await page.getByRole("checkbox", { name: /Sound/ }).uncheck();
    expect(await page.getByTestId("cost").textContent()).toBe("$0.32");
    await screenshot(page, "31-create-openrouter-veo-fast");
  });

  it("makes an Amazon Bedrock take, which Bedrock writes into Takes' own bucket", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/new`);
    await provider(page).selectOption("bedrock");
    expect(await model(page).inputValue()).toBe("luma.ray-v2:0");
    expect(await durations(page)).toEqual(["5", "9"]);
    await page.getByRole("radio", { name: "5 s" }).check();
    await page.locator('input[name="size"][value="960x540"]').check();
    await page
      .getByRole("textbox", { name: "Prompt", exact: true })
      .fill("Paper lanterns rising over a lake at night");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.waitForURL(/\/videos\/[0-9A-Z]{26}$/);
    await page.locator('.layout[data-status="completed"]').waitFor({ timeout: 90_000 });
    const playback = await playVideo(page);
    expect(playback.width).toBe(960);
    expect(playback.duration).toBeGreaterThan(4.5);
    await screenshot(page, "32-bedrock-take");
  });

  it("makes a fal take whose progress is shown as an estimate", async () => {
    const { page } = session;
    await page.goto(`${stack.url}/new`);
    await provider(page).selectOption("fal");
    await model(page).selectOption("veo3.1");
    await page.getByRole("radio", { name: "4 s" }).check();
    await page
      .getByRole("textbox", { name: "Prompt", exact: true })
      .fill("A lighthouse in fog, its beam sweeping the sea");
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.waitForURL(/\/videos\/[0-9A-Z]{26}$/);
    const bar = page.getByRole("progressbar");
    await expect
      .poll(() => bar.getAttribute("aria-valuetext"), { timeout: 30_000 })
      .toMatch(/estimated|Waiting for the provider|Saving/);
    await page.locator('.layout[data-status="completed"]').waitFor({ timeout: 90_000 });
    expect(await page.getByText("fal", { exact: true }).count()).toBeGreaterThan(0);
  });
});

describe("a brought Runway key: Runway only", () => {
  let session: TestPage;
  beforeAll(async () => {
    session = await openPage(browser());
  });
  afterAll(() => session?.context.close());

  it("is recognised by its format, checked with Runway, and shows its credits", async () => {
    const { page } = session;
    await signIn(page, stack.url, `key_${randomBytes(16).toString("hex")}`);
    await page.goto(`${stack.url}/new`);
    const offered = await provider(page)
      .locator("option")
      .evaluateAll((options) => options.map((option) => option.textContent));
    expect(offered).toEqual(["Runway"]);
    expect(await page.getByText(/Runway: [\d,]+ credits left/).count()).toBe(1);
  });

  it("a key whose shape says nothing is named at sign-in, and a refused one is told so", async () => {
    const { page } = session;
    await page.context().clearCookies();
    await page.goto(`${stack.url}/sign-in`);
    await page.getByLabel("Provider key or access code").fill(randomUUID());
    await page.getByLabel("Whose key is it?").selectOption("runway");
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    // Runway's emulator, like Runway, refuses a key that is not one of its own.
    await expect
      .poll(() => page.getByRole("alert").textContent())
      .toContain("Runway refused this key");
  });
});
