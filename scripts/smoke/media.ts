/**
 * The checks of a stage's media path: making a video (`--generate`, on the cheapest priced model),
 * its extracted frames, a short-lived media URL, and a share page as a link preview reads it.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { download, isFinished, type Job, type TakesClient } from "../../cli/client";
import { usd } from "../../cli/format";
import { progressView } from "../../cli/progress";
import { waitForJob } from "../../cli/videos";
import {
  cspAllows,
  cspDirectives,
  fail,
  firstBytes,
  isMp4,
  isPng,
  metaTags,
  sourcesFor,
  type Page,
} from "./http";
import { cheapestGeneration, describePlan, type GenerationPlan } from "./plan";
import type { Target } from "./site";

const PROMPT = "A paper boat drifts across a still pond at dawn (Takes smoke test)";

/** How long a share made by the smoke test lives, should its revocation fail. */
const SHARE_SECONDS = 60 * 60;

const FRAMES_POLL_MS = 1000;

/** Where a URL points, reported without its path and signature. */
const originOf = (url: string) => new URL(url).origin;

const secondsSince = (startedMs: number) => Math.round((Date.now() - startedMs) / 1000);

/**
 * Makes one video on the cheapest priced model, at its shortest length, after saying what it will
 * cost and getting `confirm`'s yes; waits for it for `timeoutMs` at most. Returns the finished
 * video and the deadline (ms epoch) its frames must meet too.
 */
export async function generate(
  client: TakesClient,
  confirm: (plan: GenerationPlan) => Promise<boolean>,
  announce: (line: string) => void,
  timeoutMs: number,
): Promise<{ job: Job; detail: string; deadline: number }> {
  const { providers } = await client.providers();
  const plan =
    cheapestGeneration(providers) ??
    fail("no model this code can use publishes a list price: not spending an unknown amount");
  announce(`--generate: ${describePlan(plan)}.`);
  if (!(await confirm(plan))) {
    return fail(`not confirmed, nothing spent: pass --yes to spend ${usd(plan.totalUsd)}`);
  }
  const started = Date.now();
  const deadline = started + timeoutMs;
  const created = await client.createVideo({
    prompt: PROMPT,
    provider: plan.provider,
    model: plan.model.id,
    seconds: plan.seconds,
    size: plan.size,
    ...(plan.sound !== undefined && { sound: plan.sound }),
  });
  const view = progressView();
  let job: Job;
  try {
    job = await waitForJob(client, created.id, {
      onProgress: (reading) => view.update(reading),
      timeoutMs: Math.max(0, deadline - Date.now()),
    });
  } finally {
    view.stop();
  }
  if (job.status !== "completed") {
    const after = `after ${secondsSince(started)} s`;
    if (!isFinished(job)) return fail(`${job.id} is still ${job.status} ${after} (it runs on)`);
    const reason = job.error ? `: ${job.error.message} (${job.error.code})` : "";
    return fail(`${job.id} ${job.status} ${after}${reason}`);
  }
  const cost = job.cost.actualUsd ?? job.cost.estimatedUsd ?? plan.totalUsd;
  return {
    job,
    deadline,
    detail:
      `${job.id} completed in ${secondsSince(started)} s: ${plan.seconds} s ${plan.size} on ` +
      `${plan.provider} ${plan.model.id}, ${usd(cost)}; kept in the library`,
  };
}

/** The newest completed video of the code's library, with fresh media URLs; undefined if none. */
export async function newestVideo(client: TakesClient): Promise<Job | undefined> {
  const { jobs } = await client.listVideos({ status: "completed", limit: 1 });
  return jobs[0] && client.getVideo(jobs[0].id);
}

/**
 * Both extracted frames (awaited until `deadline`: the frames worker runs after the copy), each
 * served through the API's redirect as a PNG.
 */
export async function checkFrames(
  client: TakesClient,
  video: Job,
  deadline: number,
): Promise<string> {
  let job = video;
  while (!job.media.firstFrame || !job.media.lastFrame) {
    if (job.framesError) {
      return fail(`no frames: ${job.framesError.message} (${job.framesError.code})`);
    }
    if (Date.now() >= deadline) return fail(`${job.id} has no extracted frames by the deadline`);
    await sleep(FRAMES_POLL_MS);
    job = await client.getVideo(job.id);
  }
  for (const frame of ["first", "last"] as const) {
    const served = await firstBytes(await client.frame(job.id, frame));
    if (served.contentType !== "image/png" || !isPng(served.head)) {
      return fail(`the ${frame} frame came as ${served.contentType || "no type"}, not a PNG`);
    }
  }
  return "first and last frame: image/png through GET /api/videos/{id}/frames/{frame}";
}

/** A file at a short-lived URL: served with its stored type and length, and `looksRight`. */
async function checkServed(
  what: string,
  url: string,
  stored: { contentType: string; bytes: number },
  looksRight: (head: Buffer) => boolean,
): Promise<void> {
  const served = await firstBytes(await download(url));
  if (served.contentType !== stored.contentType) {
    fail(`the ${what} came as ${served.contentType || "no type"}, not ${stored.contentType}`);
  }
  if (served.length !== undefined && served.length !== stored.bytes) {
    fail(`the ${what} came as ${served.length} bytes, not the ${stored.bytes} stored`);
  }
  if (!looksRight(served.head)) fail(`the ${what}'s bytes are not a ${stored.contentType} file`);
}

/** The video's presigned URL (and its thumbnail's) download as what Takes stored. */
export async function checkMedia(target: Target, video: Job): Promise<string> {
  const { video: file, thumbnail } = video.media;
  if (!file) return fail(`${video.id} has no stored video`);
  // An https page can play nothing from a plain-http URL.
  if (!target.local && !file.url.startsWith("https:")) {
    return fail(`the video URL is not https (${originOf(file.url)})`);
  }
  if (file.contentType !== "video/mp4") {
    return fail(`the video is stored as ${file.contentType}, not video/mp4`);
  }
  await checkServed("video", file.url, file, isMp4);
  if (thumbnail) {
    await checkServed("thumbnail", thumbnail.url, thumbnail, (head) => head.length > 0);
  }
  const served = thumbnail ? ` and ${thumbnail.contentType} thumbnail` : "";
  return `${video.id}: video/mp4 (${file.bytes} bytes)${served} from ${originOf(file.url)}`;
}

/**
 * Shares the video, reads the share page as a link preview does (its og: tags), plays what they
 * name under the page's own CSP, then revokes the link and sees it gone (410). `pages` gets the
 * share page for the header checks.
 */
export async function checkShare(
  target: Target,
  client: TakesClient,
  video: Job,
  pages: Page[],
): Promise<string> {
  const { share } = await client.shareVideo(video.id, SHARE_SECONDS);
  const pageUrl = `${target.url}/s/${share.token}`;
  let revoked = false;
  try {
    // Behind the Router the link must name the site, not API Gateway's own domain.
    if (share.url !== pageUrl) {
      return fail(`the share link is on ${originOf(share.url)}, not ${target.origin}`);
    }
    const response = await fetch(pageUrl, { headers: { accept: "text/html" } });
    if (response.status !== 200) return fail(`the share page answered HTTP ${response.status}`);
    pages.push({ name: "share page", headers: response.headers });
    const tags = metaTags(await response.text());
    const videoUrl = tags.get("og:video") ?? fail("the share page has no og:video");
    if (tags.get("og:video:type") !== "video/mp4") fail("og:video:type is not video/mp4");
    if (tags.get("og:url") !== pageUrl) fail("og:url is not the share link");
    const poster = video.media.thumbnail ?? video.media.firstFrame;
    const imageUrl = tags.get("og:image");
    if (poster && !imageUrl) fail("the share page has no og:image, yet the video has a poster");

    const csp = cspDirectives(response.headers) ?? fail("the share page has no CSP");
    if (!cspAllows(sourcesFor(csp, "media-src"), videoUrl, target.origin)) {
      fail(`the share page's CSP media-src does not allow ${originOf(videoUrl)}`);
    }
    await checkServed("og:video", videoUrl, video.media.video!, isMp4);
    if (imageUrl) {
      if (!cspAllows(sourcesFor(csp, "img-src"), imageUrl, target.origin)) {
        fail(`the share page's CSP img-src does not allow ${originOf(imageUrl)}`);
      }
      await checkServed("og:image", imageUrl, poster!, (head) => head.length > 0);
    }

    await client.revokeShare(video.id, share.token);
    revoked = true;
    const gone = await fetch(pageUrl, { headers: { accept: "text/html" } });
    await gone.body?.cancel();
    if (gone.status !== 410) fail(`the revoked link answered HTTP ${gone.status}, not 410`);
    const image = imageUrl ? " and og:image" : "";
    return `og:video${image} play from ${originOf(videoUrl)} under the page's CSP; link revoked (410)`;
  } finally {
    // The check has already failed and says why; the link still must not outlive the run.
    if (!revoked) await client.revokeShare(video.id, share.token).catch(() => undefined);
  }
}
