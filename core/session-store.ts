import { randomBytes } from "node:crypto";
import { DeleteCommand, GetCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst/resource";
import { dynamoClient } from "./aws/dynamodb";
import { insertItem } from "./dynamo";

/**
 * The server side of a sign-in: one item per session in the Sessions table, keyed by the owner
 * and a random session id, so all of one person's sessions are a single query. The sealed cookie
 * (core/session.ts) names its record; a session whose record is gone reads as signed out, which
 * is how signing out, signing out everywhere and revoking an access code end copied cookies too.
 */

export interface SessionRecord {
  ownerId: string;
  sessionId: string;
  /** Ms epoch. Checked on every read: DynamoDB's TTL deletion lags by up to two days. */
  expiresAt: number;
  /** Epoch seconds, the table's TTL attribute: DynamoDB deletes the item some time after. */
  ttl: number;
  createdAt: string;
  /** The access code the session signed in with, so revoking the code ends it (`byAccessCode`). */
  accessCodeHash?: string;
}

const table = () => Resource.Sessions.name;

type SessionKey = Pick<SessionRecord, "ownerId" | "sessionId">;

/** 128 random bits: a session id cannot be guessed, and ids never collide. */
const newSessionId = () => randomBytes(16).toString("base64url");

/** Stores the record of a new session lasting until `expiresAt` (ms epoch). */
export async function createSession(
  fields: { ownerId: string; expiresAt: number; accessCodeHash?: string },
  now = Date.now(),
): Promise<SessionRecord> {
  const record: SessionRecord = {
    ownerId: fields.ownerId,
    sessionId: newSessionId(),
    expiresAt: fields.expiresAt,
    ttl: Math.ceil(fields.expiresAt / 1000),
    createdAt: new Date(now).toISOString(),
    ...(fields.accessCodeHash && { accessCodeHash: fields.accessCodeHash }),
  };
  await insertItem(table(), { ...record }, "sessionId");
  return record;
}

/** Whether the session is still live: its record exists (strongly consistent) and has not expired. */
export async function isSessionLive(key: SessionKey, now = Date.now()): Promise<boolean> {
  const { Item } = await dynamoClient().send(
    new GetCommand({
      TableName: table(),
      Key: { ownerId: key.ownerId, sessionId: key.sessionId },
      ConsistentRead: true,
      ProjectionExpression: "expiresAt",
    }),
  );
  return typeof Item?.expiresAt === "number" && Item.expiresAt > now;
}

/** Ends one session; ending one already gone is not an error. */
export async function endSession(key: SessionKey): Promise<void> {
  await dynamoClient().send(
    new DeleteCommand({
      TableName: table(),
      Key: { ownerId: key.ownerId, sessionId: key.sessionId },
    }),
  );
}

/** Ends every session a query finds, page by page; returns how many there were. */
async function endAll(query: { IndexName?: string; key: string; value: string }): Promise<number> {
  let ended = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamoClient().send(
      new QueryCommand({
        TableName: table(),
        IndexName: query.IndexName,
        KeyConditionExpression: "#key = :value",
        ExpressionAttributeNames: { "#key": query.key, "#owner": "ownerId", "#id": "sessionId" },
        ExpressionAttributeValues: { ":value": query.value },
        ProjectionExpression: "#owner, #id",
        // A global index cannot be read consistently; the table can.
        ConsistentRead: query.IndexName === undefined,
        ExclusiveStartKey: start,
      }),
    );
    const keys = (page.Items ?? []) as SessionKey[];
    await Promise.all(keys.map(endSession));
    ended += keys.length;
    start = page.LastEvaluatedKey;
  } while (start);
  return ended;
}

/** "Sign out everywhere": ends every session of the owner, on every device. */
export const endSessionsOf = (ownerId: string) => endAll({ key: "ownerId", value: ownerId });

/**
 * Ends the sessions signed in with an access code, by the code's hash (an operator may revoke a
 * code by its label, so its owner id, derived from the code itself, may be unknown). The index
 * lags writes slightly: a session started in the same instant can be missed, but it cannot act,
 * since every request checks the code again (core/session.ts ends it then).
 */
export const endSessionsOfAccessCode = (codeHash: string) =>
  endAll({ IndexName: "byAccessCode", key: "accessCodeHash", value: codeHash });
