/**
 * Amazon Bedrock Runtime's async-invoke API for Luma Ray2, under `/bedrock`: point
 * `@aws-sdk/client-bedrock-runtime` at it with `endpoint: ${url}/bedrock` (or
 * AWS_ENDPOINT_URL_BEDROCK_RUNTIME; the SDK keeps the base path), region us-west-2, any
 * credentials, and `requestHandler: new NodeHttpHandler()` — the SDK's default transport is
 * HTTP/2 and this server speaks HTTP/1.1. Requests must carry a SigV4 Authorization header (not
 * verified). Finished videos are written into the caller's bucket on the configured S3 endpoint
 * (output.ts), as Bedrock writes them.
 */
import { mkdir } from "node:fs/promises";
import type { EmulatorContext, ProviderMount } from "../shared/mount";
import { callerOf } from "./auth";
import { bedrockErrorShape } from "./errors";
import { BedrockFaults } from "./faults";
import { InvocationStore } from "./invocations";
import { OutputWriter, type BedrockS3Options } from "./output";
import { bedrockRoutes } from "./routes";

export { LUMA_RAY2_MODEL_ID, LUMA_RAY2_SIZES } from "./luma";
export type { BedrockS3Options } from "./output";

export const BEDROCK_PREFIX = "/bedrock";

export interface BedrockEmulatorOptions {
  /** Where outputs are written; AWS_ENDPOINT_URL_S3 and the environment's credentials if absent. */
  s3?: BedrockS3Options;
}

export async function bedrockEmulator(
  context: EmulatorContext,
  options: BedrockEmulatorOptions = {},
): Promise<ProviderMount> {
  await mkdir(context.dataDir, { recursive: true });
  const faults = new BedrockFaults();
  const output = new OutputWriter(options.s3, process.env);
  const store = new InvocationStore({
    dataDir: context.dataDir,
    generationMs: context.generationMs,
    renderer: context.renderer,
    faults,
    output,
  });
  return {
    name: "bedrock",
    prefix: BEDROCK_PREFIX,
    errors: bedrockErrorShape,
    authenticate: (req) => callerOf(req).account,
    routes: bedrockRoutes(store),
    faults,
    expire: (id) => store.expire(id),
    async close() {
      await store.close();
      output.close();
    },
  };
}
