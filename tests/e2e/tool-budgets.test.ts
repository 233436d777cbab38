// What an access code has left, on the create page in real Chromium: the page shows the code's
// video seconds and tool uses, follows them as the tools spend them, and shows a refusal beside
// the tool that was refused.
import { randomBytes } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { issueAccessCode } from "#core/access-codes";
import { accessCodeHash } from "#core/identity";
import { reserveSeconds } from "#core/quota";
import { openPage, screenshot, signIn, useBrowser } from "../support/browser";

const stack = inject("stack");
const browser = useBrowser();

async function newCode(quotaSeconds: number, toolUses: number) {
  const code = `take-test-${randomBytes(6).toString("hex")}`;
  await issueAccessCode(code, {
    label: `e2e ${code.slice(-6)}`,
    quotaSeconds,
    quotaToolUses: toolUses,
  });
  return code;
}

describe("the create page for an access code", () => {
  it("shows what is left, follows the tools' spending, and shows their refusals", async () => {
    const code = await newCode(30, 6);
    const { context, page, problems } = await openPage(browser());
    await signIn(page, stack.url, code);
    await page.goto(`${stack.url}/new`);
    const allowance = page.getByTestId("allowance");
    expect(await allowance.textContent()).toContain("30 s of video · 6 tool uses");

    await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("A kite on the wind");
    await page.getByRole("button", { name: "Improve prompt" }).click();
    await page.getByRole("textbox", { name: /Suggestion/ }).waitFor();
    await expect.poll(() => allowance.textContent()).toContain("30 s of video · 5 tool uses");

    await page.getByRole("radio", { name: "Generate" }).check();
    const imagePrompt = page.getByRole("textbox", { name: "Describe the opening frame" });
    await imagePrompt.fill("A red kite against a grey sky");
    await page.getByRole("button", { name: "Generate image" }).click();
    await page.getByRole("img", { name: /^Generated reference/ }).waitFor();
    await expect.poll(() => allowance.textContent()).toContain("30 s of video · 0 tool uses");

    await page.getByRole("button", { name: "Improve prompt" }).click();
    await expect
      .poll(() => page.locator("#improve-error").textContent())
      .toContain("This access code has used its whole tool budget: 0 tool uses left");
    await page.getByRole("button", { name: "Generate again" }).click();
    await expect
      .poll(() => page.locator("#imagePrompt-error").textContent())
      .toContain("0 tool uses left");
    expect(await imagePrompt.getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "tool-budget-exhausted");
    expect(problems).toEqual([]);
    await context.close();
  });

  it("says the tools stop with the video seconds, and refuses them", async () => {
    const code = await newCode(8, 50);
    await reserveSeconds(accessCodeHash(code), 8);
    const { context, page, problems } = await openPage(browser());
    await signIn(page, stack.url, code);
    await page.goto(`${stack.url}/new`);
    expect(await page.getByTestId("allowance").textContent()).toContain(
      "0 s of video · 50 tool uses",
    );
    expect(await page.getByText("Its video seconds are used up").count()).toBe(1);

    await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("A kite on the wind");
    await page.getByRole("button", { name: "Improve prompt" }).click();
    await expect
      .poll(() => page.locator("#improve-error").textContent())
      .toContain("This access code has used its whole quota: 0 s left.");
    expect(problems).toEqual([]);
    await context.close();
  });
});
