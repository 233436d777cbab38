/**
 * Requests that start a job, made once however often a client sends them: a client that lost the
 * answer (a timeout, a dropped connection, a double submit) sends the same request with the same
 * `Idempotency-Key` and gets the job the first one made, without a second reservation or a second
 * job at the provider. One item per owner and key in the IdempotencyKeys table, claimed with a
 * conditional write, so of any number of concurrent requests exactly one does the work; the others
 * wait for it and answer with its job. The key is bound to its request's fingerprint: the same key
 * with another request is refused (422). A request that failed leaves the key free for a retry of
 * the same request, which keeps the job id it was given: providers that take an idempotency token
 * (Bedrock) get the same one, so a create they took before the failure is not made twice.
 */
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst/resource";
import { dynamoClient } from "./aws/dynamodb";
import { updateItem } from "./dynamo";
import { TakesError } from "./errors";
import { newJobId } from "./jobs/model";
import { log } from "./log";
import { LAMBDA_MARGIN_MS } from "./time-budgets";

/** How long a key and its request are remembered: a client retries within minutes, not days. */
const KEY_LIFETIME_SECONDS = 24 * 60 * 60;
/** How often a request that found its key in flight looks again. */
const IN_FLIGHT_POLL_MS = 200;

interface KeyRecord {
  /** `${owner}#${key}`: a key is the caller's own, so two callers never meet on one. */
  id: string;
  fingerprint: string;
  /** The id of the job the request makes (or made). */
  jobId: string;
  state: "running" | "done";
  /** Ms epoch: while running, a request holds the key until then (when its Lambda is gone). */
  leaseUntil: number;
  /** Epoch seconds: DynamoDB deletes the record after. */
  ttl: number;
}

/** What a request sent with a key: whose, the key, and what it asks (its fingerprint's source). */
export interface KeyedRequest {
  owner: string;
  key: string;
  /** The parsed request (and digests of any files): equal requests give equal JSON. */
  request: unknown;
}

const table = () => Resource.IdempotencyKeys.name;
const recordId = ({ owner, key }: KeyedRequest) => `${owner}#${key}`;

/** SHA-256 of bytes, for a request's files in its fingerprint. */
export const digest = (bytes: Uint8Array | string) =>
  createHash("sha256").update(bytes).digest("hex");

const keyReused = () =>
  new TakesError(
    422,
    "idempotency_key_reused",
    "This Idempotency-Key was sent with a different request: use a new key for a new request.",
  );

const stillRunning = () =>
  new TakesError(
    409,
    "idempotency_key_in_use",
    "A request with this Idempotency-Key is still running: send it again shortly to get its result.",
    { retryAfterSeconds: 2 },
  );

async function readRecord(id: string): Promise<KeyRecord | undefined> {
  const { Item } = await dynamoClient().send(
    new GetCommand({ TableName: table(), Key: { id }, ConsistentRead: true }),
  );
  return Item as KeyRecord | undefined;
}

/**
 * Takes the key for this request until `leaseUntil`: a new key, or one whose earlier request with
 * the same fingerprint failed or died. The record as it is afterwards, or undefined when it is
 * someone else's (done, in flight, or another request's).
 */
function claim(id: string, fingerprint: string, leaseUntil: number, now: number) {
  return updateItem<KeyRecord>(
    table(),
    { id },
    {
      set: { state: "running", leaseUntil, ttl: Math.ceil(now / 1000) + KEY_LIFETIME_SECONDS },
      setIfMissing: { fingerprint, jobId: newJobId(now) },
      condition:
        "attribute_not_exists(#id) OR " +
        "(#state = :running AND #leaseUntil <= :now AND #fingerprint = :fingerprint)",
      values: { running: "running", now, fingerprint },
    },
  );
}

/** Ends this request's hold on the key: done (its job is made), or free again (it failed). */
async function settle(id: string, jobId: string, outcome: "done" | "failed") {
  await updateItem(
    table(),
    { id },
    {
      set: outcome === "done" ? { state: "done" } : { leaseUntil: 0 },
      condition: "#jobId = :jobId AND #state = :running",
      values: { jobId, running: "running" },
    },
  );
}

export interface IdempotentRun<T> {
  /** Makes the job, with this id. */
  start: (jobId: string) => Promise<T>;
  /** The job already made with this id, or undefined when there is none (any more). */
  replay: (jobId: string) => Promise<T | undefined>;
  /**
   * Ms epoch when the request's time budget ends (core/time-budgets.ts): a request in flight with
   * the same key is waited for until then, and this one holds the key until its Lambda is gone.
   */
  endsAt: number;
}

/**
 * Runs `start` once per owner and key: the first request with the key makes the job, a later or
 * concurrent one with the same request answers with that job (`replay`), one with another request
 * is refused (422). Without a key, it simply starts.
 */
export async function once<T>(keyed: KeyedRequest | undefined, run: IdempotentRun<T>): Promise<T> {
  if (!keyed) return run.start(newJobId());
  const id = recordId(keyed);
  const fingerprint = digest(JSON.stringify(keyed.request));
  for (;;) {
    const now = Date.now();
    const claimed = await claim(id, fingerprint, run.endsAt + LAMBDA_MARGIN_MS, now);
    if (claimed) return startClaimed(id, claimed.jobId, run);
    const record = await readRecord(id);
    if (!record) continue; // It expired between the two reads.
    if (record.fingerprint !== fingerprint) throw keyReused();
    if (record.state === "done") {
      const made = await run.replay(record.jobId);
      if (made) return made;
      throw new TakesError(
        409,
        "idempotency_key_used",
        "The video this Idempotency-Key made has since been deleted: use a new key to make another.",
      );
    }
    if (record.leaseUntil <= now) continue; // Free again: claim it.
    if (Date.now() + IN_FLIGHT_POLL_MS >= run.endsAt) throw stillRunning();
    await sleep(IN_FLIGHT_POLL_MS);
  }
}

async function startClaimed<T>(id: string, jobId: string, run: IdempotentRun<T>): Promise<T> {
  let result: T;
  try {
    // An earlier attempt may have made the job and died before saying so.
    result = (await run.replay(jobId)) ?? (await run.start(jobId));
  } catch (error) {
    await settle(id, jobId, "failed").catch((settleError: unknown) => {
      // The key stays held until its lease ends; a retry then takes it.
      log.warn("could not free an idempotency key", { jobId, error: settleError as Error });
    });
    throw error;
  }
  // The job exists: a retry that finds the key still running (this write lost) replays it.
  await settle(id, jobId, "done").catch((settleError: unknown) => {
    log.warn("could not mark an idempotency key done", { jobId, error: settleError as Error });
  });
  return result;
}
