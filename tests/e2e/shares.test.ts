// Share links from the video page: made, copied, counted and revoked with plain form posts (no
// JavaScript), and the copy button with it; the public page plays the video without a session.
import { describe, expect, inject, it } from "vitest";
import { newKey } from "../support/api";
import { useBrowser, openPage, playVideo, screenshot, signIn } from "../support/browser";
import { completedVideo } from "../support/videos";

const stack = inject("stack");
const browser = useBrowser();

describe("share links on the video page", () => {
  it("without JavaScript: create, open, count a view, revoke", async () => {
    const key = newKey();
    const id = await completedVideo(key);
    const { context, page, problems } = await openPage(browser(), { javaScriptEnabled: false });
    await signIn(page, stack.url, key);
    await page.goto(`${stack.url}/videos/${id}`);
    const section = page.getByRole("region", { name: "Share" });
    await section.getByLabel("Link works for").selectOption({ label: "1 hour" });
    await section.getByRole("button", { name: "Create link" }).click();
    const field = section.getByRole("textbox", { name: "Share link" });
    await field.waitFor();
    const url = await field.inputValue();
    expect(url).toMatch(new RegExp(`^${stack.url}/s/[A-Za-z0-9_-]{22}$`));
    expect(await section.getByText("0 views").count()).toBe(1);
    await screenshot(page, "shares-01-created");

    // A visitor with no session plays it.
    const visitor = await openPage(browser());
    await visitor.page.goto(url);
    expect((await playVideo(visitor.page)).duration).toBeGreaterThan(1);
    expect(await visitor.page.getByText("Kites over a windy beach").count()).toBe(1);
    await screenshot(visitor.page, "shares-02-public");

    await page.reload();
    expect(await section.getByText("1 view", { exact: true }).count()).toBe(1);
    await section.getByRole("button", { name: /^Revoke link/ }).click();
    await section.getByText("Revoked").waitFor();
    await screenshot(page, "shares-03-revoked");

    const gone = await visitor.page.goto(url);
    expect(gone?.status()).toBe(410);
    expect(await visitor.page.getByText("This link has expired or was revoked").count()).toBe(1);
    await screenshot(visitor.page, "shares-04-gone");
    expect(problems).toEqual([]);
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
    await context.close();
  });

  it("with JavaScript: the copy button puts the link on the clipboard", async () => {
    const key = newKey();
    const id = await completedVideo(key);
    const { context, page, problems } = await openPage(browser());
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: stack.url });
    await signIn(page, stack.url, key);
    await page.goto(`${stack.url}/videos/${id}`);
    const section = page.getByRole("region", { name: "Share" });
    await section.getByRole("button", { name: "Create link" }).click();
    const field = section.getByRole("textbox", { name: "Share link" });
    await field.waitFor();
    await section.getByRole("button", { name: "Copy link" }).click();
    await section.getByRole("button", { name: "Copied" }).waitFor();
    const copied = await page.evaluate("navigator.clipboard.readText()");
    expect(copied).toBe(await field.inputValue());
    expect(problems).toEqual([]);
    await context.close();
  });
});
