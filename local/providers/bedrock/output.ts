/**
 * Where a finished invocation's video goes: the caller's own bucket, as Bedrock writes it, at
 * `<s3Uri>/<invocation id>/output.mp4` (a trailing slash on s3Uri adds no empty segment).
 *
 * The emulator writes with the AWS SDK's S3 client to the endpoint it is given — the local
 * stack's fauxqs — and to no other: without an endpoint (the `s3` option, else
 * AWS_ENDPOINT_URL_S3) every write fails, so an emulator can never put objects into a real
 * account. Credentials and region come from the option, else the environment (as local/stack.ts
 * hands them to the provider emulator's process).
 */
import { readFile } from "node:fs/promises";
import { PutObjectCommand, S3Client, type S3ClientConfig } from "@aws-sdk/client-s3";

export const OUTPUT_FILE_NAME = "output.mp4";

/** The S3 endpoint the Bedrock emulator writes outputs to. */
export interface BedrockS3Options {
  endpoint: string;
  /** AWS_REGION by default, else us-east-1 (a local S3 does not care). */
  region?: string;
  /** The environment's credentials by default. */
  credentials?: S3ClientConfig["credentials"];
  /** True by default: `<bucket>.localhost` does not resolve, so local S3s need path style. */
  forcePathStyle?: boolean;
}

export interface OutputLocation {
  bucket: string;
  key: string;
}

/** `s3://bucket/some/prefix` and an invocation id → bucket and `some/prefix/<id>/output.mp4`. */
export function outputLocation(s3Uri: string, invocationId: string): OutputLocation {
  const [bucket = "", ...prefix] = s3Uri.slice("s3://".length).split("/");
  const folder = prefix.join("/").replace(/\/+$/, "");
  return {
    bucket,
    key: `${folder ? `${folder}/` : ""}${invocationId}/${OUTPUT_FILE_NAME}`,
  };
}

export class OutputWriter {
  private readonly client: S3Client | null;

  constructor(options: BedrockS3Options | undefined, environment: NodeJS.ProcessEnv) {
    const endpoint = options?.endpoint ?? environment.AWS_ENDPOINT_URL_S3;
    this.client = endpoint
      ? new S3Client({
          endpoint,
          region: options?.region ?? environment.AWS_REGION ?? "us-east-1",
          credentials: options?.credentials,
          forcePathStyle: options?.forcePathStyle ?? true,
        })
      : null;
  }

  async write(location: OutputLocation, file: string, signal: AbortSignal) {
    if (!this.client) {
      throw new Error(
        "the provider emulator has no S3 endpoint (option s3 or AWS_ENDPOINT_URL_S3)",
      );
    }
    await this.client.send(
      new PutObjectCommand({
        Bucket: location.bucket,
        Key: location.key,
        Body: await readFile(file),
        ContentType: "video/mp4",
      }),
      { abortSignal: signal },
    );
  }

  close() {
    this.client?.destroy();
  }
}
