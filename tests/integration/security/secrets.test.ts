// A brought key or an access code never appears in clear anywhere: not in a log line, a response
// (body, header or URL), a stored item or an object key. A whole session is played with a unique
// key and a unique code, then every place it could have leaked to is searched for them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { generateAccessCode, issueAccessCode } from "#core/access-codes";
import { dynamoClient, s3Client } from "#core/aws";
import { api, newKey, useStackEnvironment } from "../../support/api";
import { quiet } from "../../support/footprint";
import { signInCookie } from "../../support/session";
import { VIDEO } from "../../support/videos";
import { waitFor } from "../../support/wait";

const stack = inject("stack");
const key = newKey();
const code = generateAccessCode();
/** Everything the scenario was handed: URLs, headers and bodies, as text. */
const seen: string[] = [];

/** The API through the session cookie, as the site's pages call it, recording every reply. */
async function call(cookie: string, path: string, options: Parameters<typeof api>[1] = {}) {
  const reply = await api(path, { ...options, headers: { cookie, origin: stack.url } });
  seen.push(path, JSON.stringify([...reply.headers]), JSON.stringify(reply.body));
  return reply;
}

async function page(cookie: string | undefined, path: string) {
  const response = await fetch(`${stack.url}${path}`, {
    headers: cookie ? { cookie } : {},
    redirect: "manual",
  });
  seen.push(response.url, JSON.stringify([...response.headers]), await response.text());
  return response;
}

/** Signs in, creates, waits for the video, shares it, improves a prompt, visits every page. */
async function scenario(credential: string) {
  const cookie = await signInCookie(credential);
  seen.push(cookie);
  const created = await call(cookie, "/api/videos", { json: VIDEO });
  expect(created.status).toBe(202);
  const id = created.body.id as string;
  await waitFor(async () => (await call(cookie, `/api/videos/${id}`)).body.status === "completed", {
    timeoutMs: 90_000,
    what: "the video to complete",
    intervalMs: 250,
  });
  const share = await call(cookie, `/api/videos/${id}/shares`, { json: { expiresIn: 3600 } });
  expect(share.status).toBe(201);
  expect((await call(cookie, "/api/prompts/improve", { json: { prompt: "A kite" } })).status).toBe(
    200,
  );
  await call(cookie, "/api/videos");
  await call(cookie, `/api/videos/${id}/shares`);
  for (const path of ["/", "/new", `/videos/${id}`, `/videos/${id}/download`, "/jobs.json"]) {
    expect((await page(cookie, path)).status, path).toBeLessThan(400);
  }
  expect((await page(undefined, `/s/${share.body.share.token}`)).status).toBe(200);
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );

async function everyItem(): Promise<string[]> {
  const { TableNames = [] } = await dynamoClient().send(new ListTablesCommand({}));
  const items: string[] = [];
  for (const table of TableNames) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await dynamoClient().send(
        new ScanCommand({ TableName: table, ExclusiveStartKey: start }),
      );
      items.push(...(page.Items ?? []).map((item) => `${table}: ${JSON.stringify(item)}`));
      start = page.LastEvaluatedKey;
    } while (start);
  }
  return items;
}

async function everyObjectKey(): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3Client().send(
      new ListObjectsV2Command({ Bucket: "media", ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((object) => object.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

beforeAll(async () => {
  useStackEnvironment();
  await issueAccessCode(code, { label: `secrets-${Date.now()}`, quotaSeconds: 60 });
  await scenario(key);
  await scenario(code);
  await quiet();
});

describe.each([
  ["the brought key", key],
  ["the access code", code],
])("%s", (_, secret) => {
  it("is in no log line", () => {
    const files = filesUnder(stack.logDir);
    expect(files.length).toBeGreaterThan(0);
    const logs = files.map((file) => readFileSync(file, "utf8")).join("\n");
    // The scenario was logged (so the search looked at the right place)...
    expect(logs.length).toBeGreaterThan(0);
    // ...and never with the secret.
    expect(logs.includes(secret)).toBe(false);
  });

  it("is in no response body, header or URL", () => {
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.filter((text) => text.includes(secret))).toEqual([]);
  });

  it("is in no stored item and no object key", async () => {
    const items = await everyItem();
    expect(items.some((item) => item.startsWith("Jobs:"))).toBe(true);
    expect(items.filter((item) => item.includes(secret))).toEqual([]);
    const keys = await everyObjectKey();
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((objectKey) => objectKey.includes(secret))).toEqual([]);
  });
});
