import { randomBytes } from "node:crypto";
import { GetCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst/resource";
import { dynamoClient } from "./aws/dynamodb";
import { insertItem, updateItem } from "./dynamo";
import { badRequest, notFound, TakesError } from "./errors";
import { accessCodeHash } from "./identity";
import { endSessionsOfAccessCode } from "./session-store";

/**
 * An access code the operator issued: it acts with the operator's provider key, within a quota of
 * seconds of generated video and a budget of prompt and image tool uses, until it expires or is
 * revoked. Stored under its hash (an HMAC under the server secret), never in clear: a leaked table
 * reveals no usable code.
 */
export interface AccessCode {
  codeHash: string;
  label: string;
  /** Seconds of generated video the code may ever use. */
  quotaSeconds: number;
  /** Seconds reserved by jobs created with it, less those given back by jobs that failed. */
  usedSeconds: number;
  /**
   * Uses of the prompt and image tools the code may ever make (core/tool-budget.ts prices each
   * tool); absent on codes issued before tools had a budget, which get DEFAULT_TOOL_USES.
   */
  quotaToolUses?: number;
  /** Tool uses spent, less those given back by calls that failed; absent until the first. */
  usedToolUses?: number;
  /** ISO instant from which the code no longer creates anything. */
  expiresAt?: string;
  /** ISO instant the operator revoked the code; a revoked code no longer signs anyone in. */
  revokedAt?: string;
  createdAt: string;
}

export interface NewAccessCode {
  label: string;
  quotaSeconds: number;
  /** DEFAULT_TOOL_USES when left out. */
  quotaToolUses?: number;
  expiresAt?: Date;
}

/**
 * The tool budget of a code issued without one, and of codes from before tools had a budget: a
 * hundred prompt improvements, or twenty reference images, or a mix.
 */
export const DEFAULT_TOOL_USES = 100;

export type AccessCodeStatus = "active" | "revoked" | "expired" | "exhausted";

const table = () => Resource.Codes.name;

/** Crockford's base32 in lower case: no i, l, o or u, so nothing reads as something else. */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A new code, easy to read out and type: `take-` and four groups of four characters, 80 random
 * bits (crypto.randomBytes). It never starts with `sk-`, so it is never taken for a provider key.
 */
export function generateAccessCode(): string {
  const bytes = randomBytes(16);
  const characters = [...bytes].map((byte) => ALPHABET[byte % ALPHABET.length]!);
  const groups = [0, 4, 8, 12].map((start) => characters.slice(start, start + 4).join(""));
  return `take-${groups.join("-")}`;
}

function checkNewCode(fields: NewAccessCode) {
  if (!fields.label.trim()) throw badRequest("invalid_label", "Give the code a label.");
  if (!Number.isInteger(fields.quotaSeconds) || fields.quotaSeconds < 1) {
    throw badRequest("invalid_quota", "The quota is a whole number of seconds, at least 1.");
  }
  const toolUses = fields.quotaToolUses ?? DEFAULT_TOOL_USES;
  if (!Number.isInteger(toolUses) || toolUses < 0) {
    throw badRequest("invalid_tool_uses", "The tool budget is a whole number of uses, at least 0.");
  }
  if (fields.expiresAt && Number.isNaN(fields.expiresAt.getTime())) {
    throw badRequest("invalid_expiry", "The expiry is not a date.");
  }
}

/** Stores a new code; refuses to overwrite one that exists (its usage would be lost). */
export async function issueAccessCode(code: string, fields: NewAccessCode): Promise<AccessCode> {
  checkNewCode(fields);
  const item: AccessCode = {
    codeHash: accessCodeHash(code),
    label: fields.label.trim(),
    quotaSeconds: fields.quotaSeconds,
    usedSeconds: 0,
    quotaToolUses: fields.quotaToolUses ?? DEFAULT_TOOL_USES,
    usedToolUses: 0,
    ...(fields.expiresAt && { expiresAt: fields.expiresAt.toISOString() }),
    createdAt: new Date().toISOString(),
  };
  await insertItem(table(), { ...item }, "codeHash");
  return item;
}

/**
 * Makes sure a code exists with this label, quota and tool budget, keeping its usage: the local
 * stack seeds its demo code this way on every start. A code stored before codes had quotas (or
 * tool budgets) gets one.
 */
export async function ensureAccessCode(
  code: string,
  fields: Omit<NewAccessCode, "expiresAt">,
): Promise<AccessCode> {
  checkNewCode(fields);
  const ensured = await updateItem<AccessCode>(
    table(),
    { codeHash: accessCodeHash(code) },
    {
      set: {
        label: fields.label,
        quotaSeconds: fields.quotaSeconds,
        quotaToolUses: fields.quotaToolUses ?? DEFAULT_TOOL_USES,
      },
      setIfMissing: { usedSeconds: 0, usedToolUses: 0, createdAt: new Date().toISOString() },
      remove: ["revokedAt", "expiresAt"],
    },
  );
  return ensured!;
}

/** The stored record of a code, by its hash; strongly consistent, for quota checks. */
export async function getAccessCodeByHash(codeHash: string): Promise<AccessCode | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: table(), Key: { codeHash }, ConsistentRead: true }),
  );
  return Item as AccessCode | undefined;
}

export const findAccessCode = (code: string) => getAccessCodeByHash(accessCodeHash(code));

export const secondsLeft = (code: AccessCode) => Math.max(0, code.quotaSeconds - code.usedSeconds);

/** The code's tool budget, with the default for codes stored before tools had one. */
export const toolUseQuota = (code: AccessCode) => code.quotaToolUses ?? DEFAULT_TOOL_USES;

export const toolUsesLeft = (code: AccessCode) =>
  Math.max(0, toolUseQuota(code) - (code.usedToolUses ?? 0));

export function accessCodeStatus(code: AccessCode, now = new Date()): AccessCodeStatus {
  if (code.revokedAt) return "revoked";
  if (code.expiresAt && Date.parse(code.expiresAt) <= now.getTime()) return "expired";
  if (secondsLeft(code) === 0) return "exhausted";
  return "active";
}

/** An instant as people read it: "2026-12-31 23:59 UTC". */
export const readableInstant = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;

/**
 * The expiry an operator typed: a day ("2026-12-31": the code works through the end of that day,
 * UTC) or an ISO instant with its zone. Refuses anything else, and instants already past.
 */
export function parseExpiry(text: string, now = new Date()): Date {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const date = new Date(day ? `${text}T23:59:59.999Z` : text);
  if (!(day || instant) || Number.isNaN(date.getTime())) {
    throw badRequest(
      "invalid_expiry",
      `"${text}" is not a date: write 2026-12-31, or an instant like 2026-12-31T18:00:00Z.`,
    );
  }
  if (day && date.toISOString().slice(0, 10) !== text) {
    throw badRequest("invalid_expiry", `${text} is not a day of the calendar.`);
  }
  if (date.getTime() <= now.getTime()) {
    throw badRequest("invalid_expiry", `${text} is already past.`);
  }
  return date;
}

/**
 * Refuses a code that can no longer act: 403 once revoked or expired. An exhausted code still
 * signs in (its library stays readable); creating is what the quota refuses (core/quota.ts), and
 * the tools what the tool budget refuses (core/tool-budget.ts).
 */
export function checkUsable(code: AccessCode, now = new Date()): void {
  const status = accessCodeStatus(code, now);
  if (status === "revoked") {
    throw new TakesError(
      403,
      "access_code_revoked",
      "This access code was revoked. Ask whoever gave it to you for a new one.",
    );
  }
  if (status === "expired") {
    throw new TakesError(
      403,
      "access_code_expired",
      `This access code expired on ${readableInstant(code.expiresAt!)}. Ask whoever gave it to you for a new one.`,
    );
  }
}

/** Every code, by creation date; for the operator (the table holds a handful of items). */
export async function listAccessCodes(): Promise<AccessCode[]> {
  const codes: AccessCode[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await dynamoClient().send(
      new ScanCommand({ TableName: table(), ExclusiveStartKey: start, ConsistentRead: true }),
    );
    codes.push(...((page.Items ?? []) as AccessCode[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return codes.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/**
 * Revokes a code, named by the code itself or by its label (which must name exactly one code that
 * is not revoked yet), and ends its sessions. Returns the revoked record. Jobs already running
 * finish.
 */
export async function revokeAccessCode(codeOrLabel: string, now = new Date()) {
  let target = await findAccessCode(codeOrLabel);
  if (!target) {
    const byLabel = (await listAccessCodes()).filter(
      (code) => code.label === codeOrLabel && !code.revokedAt,
    );
    if (byLabel.length > 1) {
      throw badRequest(
        "ambiguous_label",
        `${byLabel.length} codes are labelled "${codeOrLabel}"; revoke by the code itself.`,
      );
    }
    target = byLabel[0];
  }
  if (!target) throw notFound("No code, and no unrevoked code's label, matches that.");
  const revoked = target.revokedAt
    ? target
    : await updateItem<AccessCode>(
        table(),
        { codeHash: target.codeHash },
        {
          setIfMissing: { revokedAt: now.toISOString() },
          condition: "attribute_exists(#codeHash)",
        },
      );
  // Deleted by hand meanwhile: nothing is left to revoke.
  if (!revoked) throw notFound("No code, and no unrevoked code's label, matches that.");
  // After the revocation, so no new session can start; again for a code revoked already, so an
  // earlier revocation that stopped short of this still ends them.
  await endSessionsOfAccessCode(revoked.codeHash);
  return revoked;
}
