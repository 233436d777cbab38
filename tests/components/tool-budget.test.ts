// Access codes' tool budgets (core/tool-budget.ts) against DynamoDB Local, and the prompt and image
// tools spending them (core/prompts.ts, core/images.ts) on the provider emulator in process: real
// conditional writes, real races, real provider failures.
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  DEFAULT_TOOL_USES,
  ensureAccessCode,
  getAccessCodeByHash,
  issueAccessCode,
  revokeAccessCode,
  toolUsesLeft,
} from "#core/access-codes";
import { dynamoClient } from "#core/aws";
import { resolveCredential, type ResolvedCredential } from "#core/credentials";
import { TakesError } from "#core/errors";
import { accessCodeHash } from "#core/identity";
import { createImage } from "#core/images";
import { improvePrompt } from "#core/prompts";
import { reserveSeconds } from "#core/quota";
import { codeAllowance, reserveToolUse, TOOL_USE_COSTS, withToolUse } from "#core/tool-budget";
import type { Tool } from "#core/tools";
import { startLinkedResources, type LinkedResources } from "#local/link";
import { createProviderEmulator } from "#local/providers/server";
import { takesRejection } from "../support/errors";

let emulator: Awaited<ReturnType<typeof createProviderEmulator>>;
let aws: LinkedResources;

beforeAll(async () => {
  emulator = await createProviderEmulator({ port: 0 });
  aws = await startLinkedResources({
    secrets: {
      ServerSecret: "tool-budget-test-secret",
      // The operator's key, which access codes' tool calls run on (the emulator takes any sk-).
      ProviderKey: "sk-operator-0123456789abcdef",
      ProviderBaseUrl: `${emulator.url}/v1`,
    },
  });
});
afterEach(() => emulator.clearFaults());
afterAll(async () => {
  await emulator?.close();
  await aws?.stop();
});

let codes = 0;
/** A fresh code per test keeps the tests independent on one shared table. */
async function newCode(fields: { quotaSeconds?: number; toolUses?: number; expiresAt?: Date }) {
  const code = `tools-${++codes}-${Math.random().toString(36).slice(2)}`;
  await issueAccessCode(code, {
    label: `tools ${codes}`,
    quotaSeconds: fields.quotaSeconds ?? 60,
    quotaToolUses: fields.toolUses,
    expiresAt: fields.expiresAt,
  });
  return { code, hash: accessCodeHash(code) };
}

const usedToolUses = async (hash: string) => (await getAccessCodeByHash(hash))?.usedToolUses;

async function referencesOf(ownerId: string): Promise<string[]> {
  const listed = await aws.s3.send(
    new ListObjectsV2Command({ Bucket: "media", Prefix: `drafts/${ownerId}/` }),
  );
  return (listed.Contents ?? []).map((object) => object.Key!);
}

describe("tool budgets", () => {
  it("never overspend: 20 racing prompt improvements against 10 uses, exactly 10 win", async () => {
    const { hash } = await newCode({ toolUses: 10 });
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => reserveToolUse(hash, "text")),
    );
    const lost = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    expect(results.filter((result) => result.status === "fulfilled")).toHaveLength(10);
    expect(lost).toHaveLength(10);
    for (const error of lost) {
      expect(error).toBeInstanceOf(TakesError);
      expect(error).toMatchObject({ status: 402, code: "tool_budget_exhausted" });
    }
    expect(await usedToolUses(hash)).toBe(10);
  });

  it("never overspend when images and rewrites race for one budget", async () => {
    const { hash } = await newCode({ toolUses: 23 });
    const tools = Array.from({ length: 16 }, (_, index): Tool => (index % 2 ? "text" : "image"));
    const results = await Promise.allSettled(tools.map((tool) => reserveToolUse(hash, tool)));
    const spent = results.reduce(
      (sum, result, index) =>
        result.status === "fulfilled" ? sum + TOOL_USE_COSTS[tools[index]!] : sum,
      0,
    );
    expect(spent).toBeLessThanOrEqual(23);
    for (const result of results) {
      if (result.status === "rejected") expect(result.reason).toMatchObject({ status: 402 });
    }
    // Some image lost to a budget that could not cover it: less than an image's worth is idle.
    expect(spent).toBeGreaterThan(23 - TOOL_USE_COSTS.image);
    expect(await usedToolUses(hash)).toBe(spent);
  });

  it("counts an image as 5 uses, and says what is left when it cannot cover one", async () => {
    const { hash } = await newCode({ toolUses: 7 });
    await reserveToolUse(hash, "image");
    const image = await takesRejection(reserveToolUse(hash, "image"));
    expect(image).toMatchObject({ status: 402, code: "tool_budget_exhausted" });
    expect(image.message).toBe(
      "A reference image takes 5 tool uses, and this access code has only 2 left.",
    );
    // What is left still pays for rewrites.
    await reserveToolUse(hash, "text");
    await reserveToolUse(hash, "text");
    expect((await takesRejection(reserveToolUse(hash, "text"))).message).toMatch(
      /0 tool uses left/,
    );
    expect(await usedToolUses(hash)).toBe(7);
  });

  it("a call that fails gives its uses back, and stores nothing", async () => {
    const { code, hash } = await newCode({ toolUses: 10 });
    const caller = await resolveCredential(code);
    // More server errors than the adapter retries.
    emulator.setFaults({ serverErrors: { count: 2 } });
    expect((await takesRejection(improvePrompt(caller, { prompt: "a fox" }))).status).toBe(503);
    emulator.setFaults({ serverErrors: { count: 2 } });
    const drawing = createImage(caller, { prompt: "a fox", size: "1280x720" });
    expect((await takesRejection(drawing)).status).toBe(503);
    expect(await usedToolUses(hash)).toBe(0);
    expect(await referencesOf(caller.ownerId)).toEqual([]);

    // Calls that succeed keep their uses spent.
    await improvePrompt(caller, { prompt: "a fox" });
    const { image } = await createImage(caller, { prompt: "a fox", size: "1280x720" });
    expect(await usedToolUses(hash)).toBe(TOOL_USE_COSTS.text + TOOL_USE_COSTS.image);
    expect(await referencesOf(caller.ownerId)).toEqual([image.key]);
  });

  it("asks nothing of a brought key, which pays for its own calls", async () => {
    const brought: ResolvedCredential = {
      ownerId: "brought-tools",
      providerCredential: "sk-brought-0123456789",
      kind: "brought-key",
      provider: "openai",
    };
    expect(await withToolUse(brought, "image", async () => "drawn")).toBe("drawn");
    expect(await codeAllowance(brought)).toBeUndefined();
  });

  it("402 quota_exhausted once the video seconds are used up, spending nothing", async () => {
    const { hash } = await newCode({ quotaSeconds: 8, toolUses: 10 });
    await reserveSeconds(hash, 8);
    for (const tool of ["text", "image"] as const) {
      const error = await takesRejection(reserveToolUse(hash, tool));
      expect(error).toMatchObject({ status: 402, code: "quota_exhausted" });
      expect(error.message).toMatch(/0 s left/);
    }
    expect(await usedToolUses(hash)).toBe(0);
  });

  it("403 for a revoked or an expired code, spending nothing", async () => {
    const revoked = await newCode({ toolUses: 10 });
    await revokeAccessCode(revoked.code);
    expect(await takesRejection(reserveToolUse(revoked.hash, "text"))).toMatchObject({
      status: 403,
      code: "access_code_revoked",
    });
    expect(await usedToolUses(revoked.hash)).toBe(0);

    const expiresAt = new Date(Date.now() + 60_000);
    const expiring = await newCode({ toolUses: 10, expiresAt });
    await reserveToolUse(expiring.hash, "text");
    const later = new Date(expiresAt.getTime() + 1);
    expect(await takesRejection(reserveToolUse(expiring.hash, "image", later))).toMatchObject({
      status: 403,
      code: "access_code_expired",
    });
    expect(await usedToolUses(expiring.hash)).toBe(1);
  });

  it("a code stored before tool budgets has the default, written down by its first use", async () => {
    const codeHash = accessCodeHash(`old-${Math.random().toString(36).slice(2)}`);
    const createdAt = new Date().toISOString();
    await dynamoClient().send(
      new PutCommand({
        TableName: Resource.Codes.name,
        Item: { codeHash, label: "from before", quotaSeconds: 60, usedSeconds: 0, createdAt },
      }),
    );
    expect(toolUsesLeft((await getAccessCodeByHash(codeHash))!)).toBe(DEFAULT_TOOL_USES);
    await reserveToolUse(codeHash, "image");
    expect(await getAccessCodeByHash(codeHash)).toMatchObject({
      quotaToolUses: DEFAULT_TOOL_USES,
      usedToolUses: TOOL_USE_COSTS.image,
    });
  });

  it("issued without a budget gets the default; ensureAccessCode sets one and keeps the usage", async () => {
    const { hash } = await newCode({});
    expect(await getAccessCodeByHash(hash)).toMatchObject({
      quotaToolUses: DEFAULT_TOOL_USES,
      usedToolUses: 0,
    });

    const demo = `demo-${Math.random().toString(36).slice(2)}`;
    await ensureAccessCode(demo, { label: "demo", quotaSeconds: 600, quotaToolUses: 50 });
    await reserveToolUse(accessCodeHash(demo), "image");
    const again = await ensureAccessCode(demo, {
      label: "demo",
      quotaSeconds: 600,
      quotaToolUses: 80,
    });
    expect(again).toMatchObject({ quotaToolUses: 80, usedToolUses: 5 });
  });

  it("tells the holder what is left", async () => {
    const { code, hash } = await newCode({ quotaSeconds: 30, toolUses: 12 });
    await reserveSeconds(hash, 8);
    await reserveToolUse(hash, "image");
    expect(await codeAllowance(await resolveCredential(code))).toEqual({
      secondsLeft: 22,
      quotaSeconds: 30,
      toolUsesLeft: 7,
      quotaToolUses: 12,
      toolUseCosts: { text: 1, image: 5 },
    });
  });
});
