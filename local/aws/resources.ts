import {
  CreateTableCommand,
  DescribeTableCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
  type AttributeDefinition,
  type KeySchemaElement,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { dynamoClient, s3Client, sqsClient } from "#core/aws";
import type { StackModel, TableModel } from "../infra/model";

const TYPE = { string: "S", number: "N", binary: "B" } as const;

function keySchema(index: { hashKey: string; rangeKey?: string }): KeySchemaElement[] {
  return [
    { AttributeName: index.hashKey, KeyType: "HASH" },
    ...(index.rangeKey ? [{ AttributeName: index.rangeKey, KeyType: "RANGE" as const }] : []),
  ];
}

function attributeDefinitions(table: TableModel): AttributeDefinition[] {
  return Object.entries(table.fields).map(([name, type]) => ({
    AttributeName: name,
    AttributeType: TYPE[type],
  }));
}

const globalIndex = (name: string, index: { hashKey: string; rangeKey?: string }) => ({
  IndexName: name,
  KeySchema: keySchema(index),
  Projection: { ProjectionType: "ALL" as const },
});

/** Creates the table, or adds the indexes a newer model declares to the table a previous run made. */
async function ensureTable(name: string, table: TableModel) {
  const client = dynamoClient();
  const existing = await client
    .send(new DescribeTableCommand({ TableName: name }))
    .catch((error: unknown) => {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    });
  const indexes = Object.entries(table.globalIndexes);
  if (!existing) {
    await client.send(
      new CreateTableCommand({
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: attributeDefinitions(table),
        KeySchema: keySchema(table.primaryIndex),
        GlobalSecondaryIndexes: indexes.length
          ? indexes.map(([indexName, index]) => globalIndex(indexName, index))
          : undefined,
      }),
    );
    if (table.ttl) {
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { AttributeName: table.ttl, Enabled: true },
        }),
      );
    }
    return;
  }
  const present = new Set(existing.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName));
  for (const [indexName, index] of indexes.filter(([indexName]) => !present.has(indexName))) {
    await client.send(
      new UpdateTableCommand({
        TableName: name,
        AttributeDefinitions: attributeDefinitions(table),
        GlobalSecondaryIndexUpdates: [{ Create: globalIndex(indexName, index) }],
      }),
    );
  }
}

/**
 * Queues are created dead-letter queues first, so each redrive policy can name its target's ARN. A
 * dead-letter queue may have one of its own (a subscribed DLQ), hence the order by chain length.
 */
async function ensureQueues(model: StackModel): Promise<Record<string, string>> {
  const client = sqsClient();
  const urls: Record<string, string> = {};
  const arns: Record<string, string> = {};
  const hopsToEnd = (name: string, seen = new Set<string>()): number => {
    const dlq = model.queues[name]?.dlq?.queue;
    if (!dlq || seen.has(name)) return 0;
    return 1 + hopsToEnd(dlq, seen.add(name));
  };
  const ordered = Object.entries(model.queues).sort(([a], [b]) => hopsToEnd(a) - hopsToEnd(b));
  for (const [name, queue] of ordered) {
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(queue.visibilityTimeout),
      DelaySeconds: String(queue.delay),
    };
    if (queue.dlq) {
      const target = arns[queue.dlq.queue];
      if (!target) throw new Error(`Queue ${name}: its DLQ ${queue.dlq.queue} is not declared`);
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: target,
        maxReceiveCount: queue.dlq.retry,
      });
    }
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    if (!QueueUrl) throw new Error(`Queue ${name} was created without a URL`);
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    urls[name] = QueueUrl;
    arns[name] = Attributes?.QueueArn ?? "";
  }
  return urls;
}

/**
 * A component's physical name on the local stack: its component name, except that bucket names
 * must be lower case (S3 rules, which fauxqs enforces).
 */
export const localBucketName = (component: string) => component.toLowerCase();

/**
 * Creates what the infrastructure declares, idempotently: tables, buckets and queues keep their
 * data across restarts.
 * Returns the queue URLs by component name.
 */
export async function ensureResources(model: StackModel): Promise<Record<string, string>> {
  for (const [name, table] of Object.entries(model.tables)) await ensureTable(name, table);
  for (const name of Object.keys(model.buckets)) {
    await s3Client().send(new CreateBucketCommand({ Bucket: localBucketName(name) }));
  }
  return ensureQueues(model);
}
