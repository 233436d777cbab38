import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { endpoint } from "./endpoint";

let dynamo: DynamoDBDocumentClient | undefined;

export function dynamoClient(): DynamoDBDocumentClient {
  dynamo ??= DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: endpoint("DYNAMODB") }), {
    marshallOptions: { removeUndefinedValues: true },
  });
  return dynamo;
}
