import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";

// One code path: the same SDK v3 clients everywhere. On AWS the endpoints come from the runtime;
// on the local stack the standard AWS_ENDPOINT_URL_* variables point at the emulators. They are
// passed explicitly because local queue URLs carry a host that does not resolve (docs/notes/local-aws.md).
const endpoint = (service: "S3" | "SQS" | "DYNAMODB") =>
  process.env[`AWS_ENDPOINT_URL_${service}`] || undefined;

let dynamo: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let sqs: SQSClient | undefined;

export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: endpoint("DYNAMODB") }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}

export function s3Client(): S3Client {
  const url = endpoint("S3");
  s3 ??= new S3Client({ endpoint: url, forcePathStyle: url !== undefined });
  return s3;
}

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ endpoint: endpoint("SQS") });
  return sqs;
}
