import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { startDynamoDb } from "#local/aws/dynamodb";
import { loadStackModel } from "#local/infra/index";
import { ensureResources } from "#local/aws/resources";
import { stackModel } from "./stack-model";

/** A port the OS just handed out, so parallel test files never collide. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== "object" || !address) throw new Error("No port assigned");
  return address.port;
}

/**
 * DynamoDB Local in a throwaway folder, with the tables exactly as infra/ declares them. Points
 * core/aws.ts at it (via AWS_ENDPOINT_URL_DYNAMODB), so call this before any DynamoDB access.
 */
export async function startTestTables(): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "takes-dynamodb-"));
  const port = await freePort();
  const service = await startDynamoDb({ port, dataDir: dir, logDir: dir });
  const endpoint = `http://127.0.0.1:${port}`;
  process.env.AWS_ENDPOINT_URL_DYNAMODB = endpoint;
  process.env.AWS_REGION ??= "us-east-1";
  process.env.AWS_ACCESS_KEY_ID ??= "takestest";
  process.env.AWS_SECRET_ACCESS_KEY ??= "takestest";
  try {
    const { tables } = await loadStackModel();
    await ensureResources(stackModel({ tables }));
  } catch (error) {
    await service.stop();
    throw error;
  }
  return {
    endpoint,
    async stop() {
      await service.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file whose code needs DynamoDB and nothing else: links the SST resources it reads
 * (names and secret values, as `Resource` sees them) and gives its tests the tables.
 */
export function useTestTables(resources: Record<string, Record<string, string>>) {
  process.env.SST_RESOURCES_JSON = JSON.stringify({
    App: { name: "takes", stage: "test" },
    ...resources,
  });
  let tables: Awaited<ReturnType<typeof startTestTables>> | undefined;
  beforeAll(async () => {
    tables = await startTestTables();
  });
  afterAll(() => tables?.stop());
}
