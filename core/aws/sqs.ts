import { SQSClient } from "@aws-sdk/client-sqs";
import { endpoint } from "./endpoint";

let sqs: SQSClient | undefined;

export function sqsClient(): SQSClient {
  sqs ??= new SQSClient({ endpoint: endpoint("SQS") });
  return sqs;
}
