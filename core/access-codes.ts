import { GetCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { dynamoClient } from "./aws";
import { accessCodeHash } from "./identity";

/** An access code the operator issued; stored under its hash, never in clear. */
export interface AccessCode {
  codeHash: string;
  label: string;
  createdAt: string;
}

export async function issueAccessCode(code: string, label: string): Promise<AccessCode> {
  const item: AccessCode = {
    codeHash: accessCodeHash(code),
    label,
    createdAt: new Date().toISOString(),
  };
  await dynamoClient().send(new PutCommand({ TableName: Resource.Codes.name, Item: item }));
  return item;
}

export async function findAccessCode(code: string): Promise<AccessCode | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: Resource.Codes.name, Key: { codeHash: accessCodeHash(code) } }),
  );
  return Item as AccessCode | undefined;
}
