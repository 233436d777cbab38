import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { startAwsEmulator, type AwsEmulatorOptions } from "#local/aws/s3-sqs";

/**
 * fauxqs on a free loopback port for one test file, with SDK clients pointed at it. The
 * process environment gets the endpoints and dummy credentials, as the local stack gives them to
 * the runtime (each test file runs in its own worker, so this stays within the file).
 */
export async function startTestAws(options: Partial<AwsEmulatorOptions> = {}) {
  const emulator = await startAwsEmulator({ port: 0, ...options });
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_S3: emulator.url,
    AWS_ENDPOINT_URL_SQS: emulator.url,
  });
  const s3 = new S3Client({ endpoint: emulator.url, forcePathStyle: true });
  const sqs = new SQSClient({ endpoint: emulator.url });

  return {
    emulator,
    s3,
    sqs,
    async createBucket(name: string) {
      await s3.send(new CreateBucketCommand({ Bucket: name }));
    },
    async createQueue(name: string, attributes: Record<string, string> = {}) {
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
      );
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
      );
      return { url: QueueUrl!, arn: Attributes!.QueueArn! };
    },
    async stop() {
      s3.destroy();
      sqs.destroy();
      await emulator.stop();
    },
  };
}
