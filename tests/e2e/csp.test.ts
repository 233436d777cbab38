// The site's Content-Security-Policy and security headers, in real Chromium: the library, create,
// job and share pages work under the policy with no violation reported, and script smuggled in
// through a prompt neither runs as markup nor could run if it were injected.
import type { Page } from "playwright-core";
import { describe, expect, inject, it } from "vitest";
import { api, newKey } from "../support/api";
import { backgroundPosition, useBrowser, openPage, playVideo, signIn } from "../support/browser";

const stack = inject("stack");
const browser = useBrowser();

const INJECTED =
  'Lanterns over a lake <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';

/** Every console message that reports a CSP violation, from the moment the page opens. */
function cspViolations(page: Page): string[] {
  const seen: string[] = [];
  page.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) seen.push(message.text());
  });
  return seen;
}

declare const window: { __pwned?: number };
declare const document: {
  createElement(tag: "script"): { textContent: string };
  head: { append(node: unknown): void };
};

const pwned = (page: Page) => page.evaluate(() => window.__pwned ?? null);

describe("Content-Security-Policy", () => {
  it("sends the policy and the security headers with every page", async () => {
    const response = await fetch(`${stack.url}/sign-in`);
    const policy = response.headers.get("content-security-policy") ?? "";
    const directives = new Map(
      policy.split(";").map((part) => {
        const [name = "", ...sources] = part.trim().split(/\s+/);
        return [name, sources] as const;
      }),
    );
    const s3 = new URL(stack.env.AWS_ENDPOINT_URL_S3!).origin;
    expect(directives.get("default-src")).toEqual(["'self'"]);
    expect(directives.get("script-src")?.[0]).toBe("'self'");
    expect(directives.get("script-src")?.some((source) => /^'(nonce|sha256)-/.test(source))).toBe(
      true,
    );
    expect(directives.get("script-src")).not.toContain("'unsafe-inline'");
    expect(directives.get("style-src")).not.toContain("'unsafe-inline'");
    expect(directives.get("img-src")).toEqual(["'self'", "data:", "blob:", s3]);
    expect(directives.get("media-src")).toEqual(["'self'", "data:", "blob:", s3]);
    expect(directives.get("connect-src")).toEqual(["'self'"]);
    expect(directives.get("frame-ancestors")).toEqual(["'none'"]);
    expect(directives.get("form-action")).toEqual(["'self'"]);
    expect(directives.get("base-uri")).toEqual(["'self'"]);
    expect(directives.get("object-src")).toEqual(["'none'"]);
    expect(response.headers.get("permissions-policy")).toBe(
      "camera=(), microphone=(), geolocation=()",
    );
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    expect(response.headers.get("referrer-policy")).toBe("same-origin");
    // The local stack is plain http, where HSTS means nothing and is not sent.
    expect(response.headers.get("strict-transport-security")).toBeNull();
  });

  it("lets create, job, library and share pages work with no violation; prompts stay text", async () => {
    const key = newKey();
    const { context, page, problems } = await openPage(browser());
    const violations = cspViolations(page);
    await signIn(page, stack.url, key);

    await page.goto(`${stack.url}/new`);
    await page.getByRole("textbox", { name: "Prompt", exact: true }).fill(INJECTED);
    await page.getByRole("radio", { name: "4 s" }).check();
    await page.getByRole("button", { name: "Generate", exact: true }).click();
    await page.waitForURL(/\/videos\/[0-9A-Z]{26}$/);
    const id = /\/videos\/([0-9A-Z]{26})/.exec(page.url())![1]!;
    await page.locator('.layout[data-status="completed"]').waitFor({ timeout: 90_000 });
    expect((await playVideo(page)).duration).toBeGreaterThan(3);
    // The prompt is shown as the characters typed, and none of it ran.
    expect(await page.getByText("<script>window.__pwned = 1</script>").count()).toBeGreaterThan(0);
    expect(await pwned(page)).toBeNull();

    await page.goto(`${stack.url}/`);
    const card = page.locator(`a.card[data-job-id="${id}"][data-status="completed"]`);
    await card.locator("img").waitFor({ timeout: 90_000 });
    const box = (await card.locator(".frame").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.05, box.y + box.height / 2);
    await card.locator(".sprite").waitFor();
    const early = await backgroundPosition(card.locator(".sprite"));
    await page.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2);
    await expect.poll(() => backgroundPosition(card.locator(".sprite"))).not.toBe(early);
    expect(await pwned(page)).toBeNull();

    const share = await api(`/api/videos/${id}/shares`, {
      credential: key,
      json: { expiresIn: 3600 },
    });
    expect(share.status).toBe(201);
    const visitor = await openPage(browser());
    const visitorViolations = cspViolations(visitor.page);
    await visitor.page.goto(share.body.share.url as string);
    expect((await playVideo(visitor.page)).duration).toBeGreaterThan(3);
    expect(await pwned(visitor.page)).toBeNull();

    expect(violations).toEqual([]);
    expect(visitorViolations).toEqual([]);
    expect(problems).toEqual([]);
    expect(visitor.problems).toEqual([]);

    // Were a script element injected after all, the policy would refuse to run it.
    await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.__pwned = 3";
      document.head.append(script);
    });
    await expect.poll(() => violations.length).toBeGreaterThan(0);
    expect(await pwned(page)).toBeNull();

    await visitor.context.close();
    await context.close();
  });
});
