/**
 * Amazon Bedrock (`bedrock`): Luma Ray2 through `@aws-sdk/client-bedrock-runtime`'s async invoke
 * (StartAsyncInvoke, GetAsyncInvoke). Facts in docs/notes/providers.md, Bedrock.
 *
 * - No third-party key: the functions' own AWS role calls Bedrock, so only access codes (the
 *   operator's account) use it. Its "operator secret" is the region it runs in.
 * - Idempotent create: the request token is Takes' job id, so a repeated create (a client's retry
 *   with the same Idempotency-Key, after a timeout) finds the same invocation rather than starting
 *   and billing a second. The create itself is one attempt, within its request's budget.
 * - Bedrock writes the video into Takes' own bucket (incoming/{jobId}/…): the copy step adopts it
 *   server-side (storedOutputKey), no byte passing through the Lambda.
 * - No progress and no cancel API: Takes estimates progress, and a deleted job's output is
 *   expired by the bucket's lifecycle rule.
 * - AWS_ENDPOINT_URL_BEDROCK_RUNTIME points the client elsewhere (the local emulator); there it
 *   speaks HTTP/1.1 rather than the SDK's default HTTP/2.
 */
import {
  BedrockRuntimeClient,
  BedrockRuntimeServiceException,
  GetAsyncInvokeCommand,
  StartAsyncInvokeCommand,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { Resource } from "sst/resource";
import { incomingFolder } from "../media/layout";
import {
  adapter,
  ContentNotAvailable,
  ProviderUnavailable,
  type NormalisedStatus,
  type VideoProvider,
} from "./contract";
import { bedrockDeclared, MODEL_ID, RAY2_SIZES } from "./declared/bedrock";
import { callWith, failureForStatus } from "./http";

export { RAY2_SIZES };

const SERVICE = "Amazon Bedrock API";

const clients = new Map<string, BedrockRuntimeClient>();

/**
 * The client, in `region` (the operator's setting), with the functions' own AWS credentials. Made
 * once per region and retry budget and kept, as AWS advises: a client per call leaves a
 * connection open per call.
 */
function client(region: string, maxAttempts: number) {
  const key = `${region}/${maxAttempts}`;
  const made = clients.get(key);
  if (made) return made;
  const endpoint = process.env.AWS_ENDPOINT_URL_BEDROCK_RUNTIME || undefined;
  const fresh = new BedrockRuntimeClient({
    region,
    maxAttempts,
    ...(endpoint && { endpoint, requestHandler: new NodeHttpHandler() }),
  });
  clients.set(key, fresh);
  return fresh;
}

/** Bedrock's errors name themselves (x-amzn-errortype): throttling, validation, access… */
function toFailure(error: unknown): unknown {
  if (!(error instanceof BedrockRuntimeServiceException)) {
    const transport =
      error instanceof Error && /ECONN|ETIMEDOUT|socket|network/i.test(error.message);
    return transport ? new ProviderUnavailable(`The ${SERVICE} is unavailable.`) : error;
  }
  // A full quota of concurrent invocations is a wait, like throttling (its status is 400).
  const busy = ["ThrottlingException", "ServiceQuotaExceededException"].includes(error.name);
  const status = busy ? 429 : (error.$metadata.httpStatusCode ?? 500);
  return failureForStatus({ status, message: error.message }, SERVICE);
}

const call = callWith(toFailure);

function normalise(output: {
  status?: string;
  failureMessage?: string;
  endTime?: Date;
}): NormalisedStatus {
  switch (output.status) {
    case "Completed":
      return { status: "completed", progress: 100, completedAt: output.endTime?.toISOString() };
    case "Failed":
      return {
        status: "failed",
        error: {
          code: "generation_failed",
          message: `Bedrock could not generate this video: ${(output.failureMessage ?? "no reason given").replace(/\.$/, "")}.`,
        },
      };
    default:
      return { status: "in_progress" };
  }
}

export const bedrockProvider: VideoProvider = adapter(bedrockDeclared, {
  async create(region, request) {
    // Sizes are checked against the model's declaration before any create: one is always here.
    const { aspect_ratio, resolution } = RAY2_SIZES[request.size]!;
    const frame = request.firstFrame;
    const started = await call(() =>
      client(region, 1).send(
        new StartAsyncInvokeCommand({
          modelId: MODEL_ID,
          clientRequestToken: request.jobId,
          modelInput: {
            prompt: request.prompt,
            aspect_ratio,
            resolution,
            duration: `${request.seconds}s`,
            ...(frame && {
              keyframes: {
                frame0: {
                  type: "image",
                  source: {
                    type: "base64",
                    media_type: frame.contentType,
                    data: Buffer.from(frame.bytes).toString("base64"),
                  },
                },
              },
            }),
          },
          outputDataConfig: {
            s3OutputDataConfig: {
              // Without the trailing slash: Bedrock adds "/<invocation id>/output.mp4" itself.
              s3Uri: `s3://${Resource.Media.name}/${incomingFolder(request.jobId).replace(/\/$/, "")}`,
            },
          },
        }),
        { abortSignal: request.time.signal },
      ),
    );
    if (!started.invocationArn) throw new ProviderUnavailable(`The ${SERVICE} gave no invocation.`);
    return { providerJobId: started.invocationArn };
  },

  async getStatus(region, { providerJobId }) {
    const output = await call(() =>
      client(region, 3).send(new GetAsyncInvokeCommand({ invocationArn: providerJobId })),
    );
    return normalise(output);
  },

  async download() {
    throw new ContentNotAvailable(
      "Bedrock writes into Takes' bucket: there is nothing to download.",
    );
  },
});
