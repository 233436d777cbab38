/**
 * Checking StartAsyncInvoke and ListAsyncInvokes requests the way Bedrock does, in two layers:
 * the API's own constraints (Bedrock's API reference: lengths, patterns, enums; refused with the
 * AWS service framework's "1 validation error detected: Value ... at '<field>' failed to satisfy
 * constraint: ..."), then the model: an unknown model or a region without it reads "The provided
 * model identifier is invalid.", a `modelInput` the model's schema refuses reads "Malformed input
 * request: ..." (luma.ts).
 */
import { createHash } from "node:crypto";
import type { AsyncInvokeS3OutputDataConfig } from "@aws-sdk/client-bedrock-runtime";
import type { Fields } from "../shared/http";
import { constraintError, validationError } from "./errors";
import {
  LUMA_RAY2_MODEL_ARN,
  LUMA_RAY2_MODEL_ID,
  LUMA_RAY2_REGION,
  lumaJobOf,
  type LumaJob,
} from "./luma";

const TOKEN_PATTERN = "[!-~]*";
const MODEL_ID_PATTERN = "[a-zA-Z_\\.\\-/0-9:]+";
const S3_URI_PATTERN = "s3://[a-z0-9][\\.\\-a-z0-9]{1,61}[a-z0-9](/.*)?";
const ACCOUNT_PATTERN = "[0-9]{12}";
const KMS_KEY_PATTERN =
  "arn:aws(-[^:]+)?:kms:[a-zA-Z0-9-]*:[0-9]{12}:((key/[a-zA-Z0-9-]{36})|(alias/[a-zA-Z0-9-_/]+))";
const STATUSES = ["Completed", "InProgress", "Failed"] as const;
const SORT_ORDERS = ["Ascending", "Descending"] as const;
const MAX_LIST_RESULTS = 1000;

export type InvocationStatus = (typeof STATUSES)[number];

export interface StartRequest {
  job: LumaJob;
  output: AsyncInvokeS3OutputDataConfig;
  clientRequestToken?: string;
  /** A digest of everything but the token: a reused token must come with the same request. */
  fingerprint: string;
}

export interface ListQuery {
  status?: InvocationStatus;
  submittedAfterMs?: number;
  submittedBeforeMs?: number;
  descending: boolean;
  maxResults: number;
  offset: number;
}

/** One field's constraints, worded as the AWS service framework words a broken one. */
class Constraints {
  readonly violations: string[] = [];

  private fail(value: unknown, field: string, constraint: string) {
    const shown = value === undefined || value === null ? "null" : `'${String(value)}'`;
    this.violations.push(
      `Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`,
    );
  }

  missing(field: string) {
    this.fail(null, field, "Member must not be null");
  }

  /** A string within `maxLength` matching `pattern`; `required` refuses a missing one. */
  string(
    value: unknown,
    field: string,
    rule: { maxLength: number; pattern: string; required?: boolean },
  ) {
    if (value === undefined || value === null) {
      if (rule.required) this.missing(field);
      return undefined;
    }
    if (typeof value !== "string") {
      this.fail(value, field, "Member must be a string");
      return undefined;
    }
    if (value.length < 1)
      this.fail(value, field, "Member must have length greater than or equal to 1");
    if (value.length > rule.maxLength) {
      this.fail(value, field, `Member must have length less than or equal to ${rule.maxLength}`);
    }
    if (!new RegExp(`^(?:${rule.pattern})$`).test(value)) {
      this.fail(value, field, `Member must satisfy regular expression pattern: ${rule.pattern}`);
    }
    return value;
  }

  oneOf<T extends string>(value: string | null, field: string, values: readonly T[]) {
    if (value === null) return undefined;
    if ((values as readonly string[]).includes(value)) return value as T;
    this.fail(value, field, `Member must satisfy enum value set: [${values.join(", ")}]`);
    return undefined;
  }

  check() {
    if (this.violations.length) throw constraintError(this.violations);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** JSON with its keys sorted, so two equal requests digest alike whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical(value[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function outputOf(body: Fields, constraints: Constraints): AsyncInvokeS3OutputDataConfig | null {
  const config = body.outputDataConfig;
  const s3 = isObject(config) ? config.s3OutputDataConfig : undefined;
  if (!isObject(s3)) {
    constraints.missing("outputDataConfig");
    return null;
  }
  const field = "outputDataConfig.s3OutputDataConfig";
  const s3Uri = constraints.string(s3.s3Uri, `${field}.s3Uri`, {
    maxLength: 1024,
    pattern: S3_URI_PATTERN,
    required: true,
  });
  const kmsKeyId = constraints.string(s3.kmsKeyId, `${field}.kmsKeyId`, {
    maxLength: 2048,
    pattern: KMS_KEY_PATTERN,
  });
  const bucketOwner = constraints.string(s3.bucketOwner, `${field}.bucketOwner`, {
    maxLength: 12,
    pattern: ACCOUNT_PATTERN,
  });
  return s3Uri === undefined
    ? null
    : { s3Uri, ...(kmsKeyId && { kmsKeyId }), ...(bucketOwner && { bucketOwner }) };
}

/** A StartAsyncInvoke body checked for a caller signed for `region`; throws ValidationException. */
export function startRequestOf(body: Fields, region: string): StartRequest {
  const constraints = new Constraints();
  const clientRequestToken = constraints.string(body.clientRequestToken, "clientRequestToken", {
    maxLength: 256,
    pattern: TOKEN_PATTERN,
  });
  const modelId = constraints.string(body.modelId, "modelId", {
    maxLength: 256,
    pattern: MODEL_ID_PATTERN,
    required: true,
  });
  if (body.modelInput === undefined || body.modelInput === null) constraints.missing("modelInput");
  const output = outputOf(body, constraints);
  // A missing modelId or output has been counted as a violation.
  if (constraints.violations.length || !modelId || !output) {
    throw constraintError(constraints.violations);
  }

  const known = modelId === LUMA_RAY2_MODEL_ID || modelId === LUMA_RAY2_MODEL_ARN;
  if (!known || region !== LUMA_RAY2_REGION) {
    throw validationError("The provided model identifier is invalid.");
  }
  const job = lumaJobOf(body.modelInput);
  const { modelInput, outputDataConfig, tags } = body;
  const fingerprint = createHash("sha256")
    .update(canonical({ modelId, modelInput, outputDataConfig, tags }))
    .digest("hex");
  return { job, output, clientRequestToken, fingerprint };
}

/** ListAsyncInvokes' query string, checked; `nextToken` is the emulator's own opaque offset. */
export function listQueryOf(query: URLSearchParams): ListQuery {
  const constraints = new Constraints();
  const status = constraints.oneOf(query.get("statusEquals"), "statusEquals", STATUSES);
  const order = constraints.oneOf(query.get("sortOrder"), "sortOrder", SORT_ORDERS);
  constraints.oneOf(query.get("sortBy"), "sortBy", ["SubmissionTime"]);
  const time = (name: string) => {
    const raw = query.get(name);
    if (raw === null) return undefined;
    const ms = Date.parse(raw);
    if (Number.isNaN(ms))
      constraints.violations.push(`Value '${raw}' at '${name}' is not a valid timestamp`);
    return ms;
  };
  const submittedAfterMs = time("submitTimeAfter");
  const submittedBeforeMs = time("submitTimeBefore");
  const maxResults = Number(query.get("maxResults") ?? MAX_LIST_RESULTS);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_LIST_RESULTS) {
    constraints.violations.push(
      `Value '${query.get("maxResults")}' at 'maxResults' failed to satisfy constraint: ` +
        `Member must have value between 1 and ${MAX_LIST_RESULTS}`,
    );
  }
  constraints.check();
  const token = query.get("nextToken");
  const offset = token === null ? 0 : Number(Buffer.from(token, "base64url").toString("utf8"));
  if (!Number.isInteger(offset) || offset < 0) throw validationError("Invalid pagination token.");
  return {
    status,
    submittedAfterMs,
    submittedBeforeMs,
    descending: order !== "Ascending",
    maxResults,
    offset,
  };
}

export const nextTokenFor = (offset: number) => Buffer.from(String(offset)).toString("base64url");
