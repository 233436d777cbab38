// "Sign out everywhere" in real Chromium with JavaScript off: the header's account menu is a
// disclosure and its control a plain form post, so it works without script; it ends the sessions
// of every device signed in with the same key, and a copy of the cookie with them.
import type { BrowserContext } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { SESSION_COOKIE } from "#core/session";
import { newKey } from "../support/api";
import { openPage, screenshot, signIn, useBrowser } from "../support/browser";

const stack = inject("stack");
const browser = useBrowser();

const sessionCookieOf = async (context: BrowserContext) =>
  (await context.cookies()).find((cookie) => cookie.name === SESSION_COOKIE);

describe("sign out everywhere, without JavaScript", () => {
  it("ends the sessions of every device signed in with the key, and copies of their cookies", async () => {
    const key = newKey();
    const laptop = await openPage(browser(), { javaScriptEnabled: false });
    const phone = await openPage(browser(), { javaScriptEnabled: false });
    await signIn(laptop.page, stack.url, key);
    await signIn(phone.page, stack.url, key);
    const copied = await sessionCookieOf(phone.context);
    expect(copied).toBeDefined();

    // The menu opens without script (a <details>), showing the control.
    const { page } = laptop;
    const everywhere = page.getByRole("button", { name: "Sign out everywhere" });
    expect(await everywhere.isVisible()).toBe(false);
    await page.locator("header summary", { hasText: "Your key" }).click();
    await everywhere.waitFor();
    await screenshot(page, "sessions-01-account-menu");
    await everywhere.click();
    await page.waitForURL(`${stack.url}/sign-in?signed-out=everywhere`);
    expect(await page.getByRole("status").textContent()).toBe("Signed out on every device.");
    expect(await sessionCookieOf(laptop.context)).toBeUndefined();
    await screenshot(page, "sessions-02-signed-out-everywhere");

    // The other device is signed out on its next request, and its cookie cleared.
    await phone.page.goto(`${stack.url}/new`);
    expect(phone.page.url()).toBe(`${stack.url}/sign-in?next=%2Fnew`);
    expect(await sessionCookieOf(phone.context)).toBeUndefined();

    // A copy of the cookie, put in a fresh profile, signs no one in either.
    const thief = await openPage(browser(), { javaScriptEnabled: false });
    await thief.context.addCookies([copied!]);
    await thief.page.goto(`${stack.url}/`);
    expect(thief.page.url()).toBe(`${stack.url}/sign-in`);

    expect([...laptop.problems, ...phone.problems, ...thief.problems]).toEqual([]);
    await Promise.all([laptop, phone, thief].map(({ context }) => context.close()));
  });
});
