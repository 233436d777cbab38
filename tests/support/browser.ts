import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import {
  chromium,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { useStackEnvironment } from "./api";

/**
 * Real Chromium for the end-to-end tests (Debian's build; `bash tests/support/install-system-deps.sh`
 * installs it). Without the background-networking flags Chromium floods the closed network.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const SCREENSHOT_DIR = resolve(import.meta.dirname, "../../test-output/screenshots");

export const DESKTOP = { width: 1280, height: 860 };
export const MOBILE = { width: 360, height: 740 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
}

/**
 * One Chromium for a test file, launched before its tests and closed after them, with this
 * process pointed at the test stack. Call at the top of the file; call the result in a test.
 */
export function useBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    useStackEnvironment();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error("The browser is not launched yet: use it inside a test.");
    return browser;
  };
}

export interface PageOptions {
  viewport?: { width: number; height: number };
  javaScriptEnabled?: boolean;
  /** Touch and a phone's pixel density, for the mobile run. */
  mobile?: boolean;
}

export interface TestPage {
  context: BrowserContext;
  page: Page;
  /** Uncaught page errors and console errors seen so far: a test expects none. */
  problems: string[];
}

/** A fresh browser profile (no cookies) with one page, recording script errors. */
export async function openPage(browser: Browser, options: PageOptions = {}): Promise<TestPage> {
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    javaScriptEnabled: options.javaScriptEnabled ?? true,
    ...(options.mobile && { isMobile: true, hasTouch: true, deviceScaleFactor: 2 }),
    acceptDownloads: true,
  });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  page.on("console", (message) => {
    // A 4xx answer (a form's validation failure, an intended 404) is logged as a failed resource
    // load: that is the network's news, not a script error.
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      problems.push(`console: ${message.text()}`);
    }
  });
  return { context, page, problems };
}

/** Saves a full-page PNG under test-output/screenshots/. */
export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  // From the top, or the sticky header is drawn where the page happened to be scrolled.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: true });
}

/** Signs in through the sign-in form and waits for the library. */
export async function signIn(page: Page, baseUrl: string, credential: string) {
  await page.goto(`${baseUrl}/sign-in`);
  await page.getByLabel("Provider key or access code").fill(credential);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await page.waitForURL(`${baseUrl}/`);
}

// The functions below run inside the page through evaluate(). The tests' TypeScript has no DOM
// library, so the few page globals they touch are declared here, for this module only.
interface PageVideo {
  readyState: number;
  duration: number;
  videoWidth: number;
  muted: boolean;
  play(): Promise<void>;
}
interface PageElement {
  tagName: string;
  matches(selector: string): boolean;
}
declare const document: {
  querySelector(selector: "video"): PageVideo | null;
  activeElement: PageElement | null;
  documentElement: { scrollWidth: number };
  cookie: string;
};
declare const window: { innerWidth: number; scrollTo(x: number, y: number): void };
declare const localStorage: Record<string, string>;
declare const sessionStorage: Record<string, string>;
declare function getComputedStyle(element: unknown): {
  backgroundPosition: string;
  boxShadow: string;
};

export interface Playback {
  readyState: number;
  duration: number;
  width: number;
}

/** Plays the page's video muted and resolves once it has data to show (readyState >= 2). */
export async function playVideo(page: Page): Promise<Playback> {
  await page.locator("video").waitFor();
  await page.evaluate(async () => {
    const video = document.querySelector("video")!;
    video.muted = true;
    await video.play();
  });
  const handle = await page.waitForFunction(
    () => {
      const video = document.querySelector("video");
      return video && video.readyState >= 2 && Number.isFinite(video.duration)
        ? { readyState: video.readyState, duration: video.duration, width: video.videoWidth }
        : null;
    },
    undefined,
    { timeout: 30_000 },
  );
  return (await handle.jsonValue()) as Playback;
}

/** How far the page is wider than the screen, in CSS pixels (0 when it fits). */
export const horizontalOverflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

/** Everything the page's scripts can read of storage and cookies, as one string. */
export const scriptReadableState = (page: Page) =>
  page.evaluate(() =>
    JSON.stringify({ ...localStorage, ...sessionStorage, cookie: document.cookie }),
  );

export const backgroundPosition = (locator: Locator) =>
  locator.evaluate((element) => getComputedStyle(element).backgroundPosition);

export const naturalSize = (image: Locator) =>
  image.evaluate((element) => {
    const { naturalWidth, naturalHeight } = element as unknown as {
      naturalWidth: number;
      naturalHeight: number;
    };
    return [naturalWidth, naturalHeight];
  });

/** Presses Tab until `matches` holds for the focused element; returns how it looks focused. */
export async function tabTo(page: Page, selector: string, maxPresses = 30) {
  for (let press = 0; press < maxPresses; press++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate((wanted) => {
      const element = document.activeElement;
      if (!element?.matches(wanted)) return null;
      return { boxShadow: getComputedStyle(element).boxShadow, tag: element.tagName };
    }, selector);
    if (focused) return focused;
  }
  throw new Error(`${maxPresses} presses of Tab never reached ${selector}`);
}
