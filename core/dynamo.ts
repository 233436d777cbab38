/**
 * The one small DynamoDB helper every table's module uses: conditional updates written as data,
 * condition failures as `undefined` rather than exceptions, and transactions whose cancellation
 * reasons come back per item, with conflicts retried.
 */
import {
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type TransactWriteCommandInput,
} from "@aws-sdk/lib-dynamodb";
import { dynamoClient } from "./aws/dynamodb";

/** One item's write in a transaction, as lib-dynamodb takes it. */
export type TransactItem = NonNullable<TransactWriteCommandInput["TransactItems"]>[number];

/**
 * An update as data. Attribute paths ("status", "media.video") become `#name` placeholders; the
 * condition refers to attributes as `#name` and to `values` as `:name`.
 */
export interface Update {
  set?: Record<string, unknown>;
  /** Set only where the attribute does not exist yet (`if_not_exists`). */
  setIfMissing?: Record<string, unknown>;
  add?: Record<string, number>;
  remove?: string[];
  condition?: string;
  values?: Record<string, unknown>;
}

const placeholderPath = (path: string) =>
  path
    .split(".")
    .map((part) => `#${part}`)
    .join(".");

/** The UpdateItem parameters of `update` on the item with `key`, for UpdateCommand or a transaction. */
export function updateParams(table: string, key: Record<string, unknown>, update: Update) {
  const values: Record<string, unknown> = {};
  const placeholder = (prefix: string, value: unknown) => {
    const name = `:${prefix}${Object.keys(values).length}`;
    values[name] = value;
    return name;
  };
  const sets = [
    ...Object.entries(update.set ?? {}).map(
      ([path, value]) => `${placeholderPath(path)} = ${placeholder("set", value)}`,
    ),
    ...Object.entries(update.setIfMissing ?? {}).map(([path, value]) => {
      const attribute = placeholderPath(path);
      return `${attribute} = if_not_exists(${attribute}, ${placeholder("set", value)})`;
    }),
  ];
  const adds = Object.entries(update.add ?? {}).map(
    ([path, amount]) => `${placeholderPath(path)} ${placeholder("add", amount)}`,
  );
  const removes = (update.remove ?? []).map(placeholderPath);
  const clause = (keyword: string, parts: string[]) =>
    parts.length ? `${keyword} ${parts.join(", ")}` : "";
  const updateExpression = [clause("SET", sets), clause("ADD", adds), clause("REMOVE", removes)]
    .filter(Boolean)
    .join(" ");
  for (const [name, value] of Object.entries(update.values ?? {})) values[`:${name}`] = value;
  const expressions = `${updateExpression} ${update.condition ?? ""}`;
  // DynamoDB rejects unused names, so declare exactly the ones the expressions use.
  const names = Object.fromEntries(
    [...expressions.matchAll(/#(\w+)/g)].map((match) => [match[0], match[1]!]),
  );
  return {
    TableName: table,
    Key: key,
    UpdateExpression: updateExpression,
    ...(update.condition && { ConditionExpression: update.condition }),
    ExpressionAttributeNames: names,
    ...(Object.keys(values).length > 0 && { ExpressionAttributeValues: values }),
  };
}

export const isConditionFailure = (error: unknown) =>
  error instanceof Error && error.name === "ConditionalCheckFailedException";

/** Applies `update` if its condition holds: the item as it is afterwards, else undefined. */
export async function updateItem<T>(
  table: string,
  key: Record<string, unknown>,
  update: Update,
): Promise<T | undefined> {
  try {
    const { Attributes } = await dynamoClient().send(
      new UpdateCommand({ ...updateParams(table, key, update), ReturnValues: "ALL_NEW" }),
    );
    return Attributes as T;
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Stores a new item, never overwriting one whose `keyName` already exists: that is refused with
 * DynamoDB's ConditionalCheckFailedException, as new items' keys are made never to collide.
 */
export async function insertItem(table: string, item: Record<string, unknown>, keyName: string) {
  await dynamoClient().send(
    new PutCommand({
      TableName: table,
      Item: item,
      ConditionExpression: "attribute_not_exists(#key)",
      ExpressionAttributeNames: { "#key": keyName },
    }),
  );
}

/** A write that met a transaction in flight on the same item: worth trying again shortly. */
export const isTransactionConflict = (error: unknown) =>
  error instanceof Error && error.name === "TransactionConflictException";

/** Waits a little longer with each attempt, with jitter, so racing writers spread out. */
export const backOff = (attempt: number) =>
  new Promise((resolve) => setTimeout(resolve, 25 * attempt + Math.random() * 50));

/** Transactions that met another on the same item are tried this many times in all. */
const TRANSACTION_ATTEMPTS = 4;

/** The reason per item of a cancelled transaction, or undefined for any other error. */
function cancellationReasons(error: unknown): (string | undefined)[] | undefined {
  if (!(error instanceof Error) || error.name !== "TransactionCanceledException") return undefined;
  const reasons = (error as { CancellationReasons?: { Code?: string }[] }).CancellationReasons;
  return (reasons ?? []).map((reason) => reason.Code);
}

/**
 * Writes `items` all or nothing. Resolves with undefined when they were written, or with each
 * item's reason ("ConditionalCheckFailed", "None"…) when a condition cancelled the transaction.
 * Conflicts with other transactions are retried; any other error is thrown.
 */
export async function transact(items: TransactItem[]): Promise<(string | undefined)[] | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      await dynamoClient().send(new TransactWriteCommand({ TransactItems: items }));
      return undefined;
    } catch (error) {
      const reasons = cancellationReasons(error);
      if (reasons?.includes("ConditionalCheckFailed")) return reasons;
      const conflict = reasons?.includes("TransactionConflict") || isTransactionConflict(error);
      if (!conflict || attempt === TRANSACTION_ATTEMPTS) throw error;
      await backOff(attempt);
    }
  }
}
