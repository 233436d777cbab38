import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startStack } from "#local/stack";

export interface TestStack {
  url: string;
  demoAccessCode: string;
  providerUrl: string;
  dataDir: string;
  logDir: string;
  env: Record<string, string>;
}

declare module "vitest" {
  export interface ProvidedContext {
    stack: TestStack;
  }
}

/**
 * One full local stack for the integration and end-to-end tests, on its own ports and data folder,
 * so it never meets a developer's running `npm start`. Videos take ~1.5 s to "generate".
 */
/**
 * The stack seeds its demo code from this process, through its links in process.env; every test
 * process forks from this one and would inherit them. Component tests start their own servers and
 * must find none of the stack's (an inherited SST_RESOURCES_JSON outranks the links a test sets);
 * integration tests take the stack's environment explicitly (useStackEnvironment).
 */
function restoreEnvironment(pristine: NodeJS.ProcessEnv) {
  for (const name of Object.keys(process.env)) {
    if (!(name in pristine)) delete process.env[name];
  }
  Object.assign(process.env, pristine);
}

export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), "takes-test-"));
  const pristine = { ...process.env };
  const stack = await startStack({
    port: Number(process.env.TAKES_TEST_PORT ?? 3100),
    dataDir,
    providerGenerationMs: 1500,
    scheduleIntervalMs: 2000,
  }).finally(() => restoreEnvironment(pristine));
  project.provide("stack", {
    url: stack.url,
    demoAccessCode: stack.demoAccessCode,
    providerUrl: stack.providerUrl,
    dataDir: stack.dataDir,
    logDir: stack.logDir,
    env: stack.env,
  });
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
