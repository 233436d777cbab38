/**
 * Bedrock's asynchronous invocations: started, deduplicated by client request token, watched,
 * listed, and written into the caller's bucket when done.
 *
 * An invocation is InProgress (Bedrock reports no progress) until its generation time has passed
 * and its video is rendered and written to `<s3Uri>/<id>/output.mp4`; only then is it Completed,
 * so the object exists before the status says so. It ends Failed, with a failureMessage, when a
 * fault says so, when the render fails, or when the write does (no bucket, no access): the
 * message then names the S3 error. Invocations belong to the account that started them; another
 * account's ARN reads as one that does not exist.
 *
 * The same clientRequestToken with the same request returns the invocation it started and starts
 * nothing (Bedrock's idempotency; the token is held for the emulator's lifetime); with a
 * different request it is a ConflictException.
 */
import { randomInt } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type {
  AsyncInvokeS3OutputDataConfig,
  GetAsyncInvokeResponse,
} from "@aws-sdk/client-bedrock-runtime";
import type { FaultInjector, JobFailure } from "../shared/faults";
import { VIDEO_FILE, type Renderer } from "../shared/render";
import type { Caller } from "./auth";
import { BedrockError, validationError } from "./errors";
import { firstFramePng, LUMA_RAY2_MODEL_ARN, type LumaJob } from "./luma";
import { outputLocation, type OutputLocation, type OutputWriter } from "./output";
import { nextTokenFor, type InvocationStatus, type ListQuery, type StartRequest } from "./requests";

/** The SDK's response shapes as JSON carries them: timestamps as ISO 8601 strings. */
export type OnTheWire<T> = {
  [K in keyof T]: Exclude<T[K], undefined> extends Date ? string : T[K];
};
export type InvocationView = OnTheWire<Omit<GetAsyncInvokeResponse, "$metadata">>;

const ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
/** Bedrock's invocation ids: 12 lowercase letters and digits (its ARN pattern). */
const ID_LENGTH = 12;
const FIRST_FRAME_FILE = "first-frame.png";
/** Bedrock's limit on failureMessage. */
const MAX_FAILURE_CHARS = 2048;

interface Invocation {
  id: string;
  arn: string;
  account: string;
  clientRequestToken?: string;
  job: LumaJob;
  output: AsyncInvokeS3OutputDataConfig;
  location: OutputLocation;
  submitMs: number;
  endMs: number | null;
  status: InvocationStatus;
  failureMessage?: string;
  dir: string;
  firstFrame?: string;
  injectedFailure: JobFailure | null;
  /** Stops the render and the write when the emulator closes. */
  stop: AbortController;
  timer?: NodeJS.Timeout;
}

interface TokenUse {
  fingerprint: string;
  started: Promise<Invocation>;
}

export interface InvocationStoreOptions {
  dataDir: string;
  generationMs: (seconds: number) => number;
  renderer: Renderer;
  faults: FaultInjector;
  output: OutputWriter;
}

const newId = () =>
  Array.from({ length: ID_LENGTH }, () => ID_ALPHABET[randomInt(ID_ALPHABET.length)]).join("");

const notFound = (arn: string) =>
  validationError(`The invocation ${arn} does not exist or is not yours.`);

const reasonOf = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

export class InvocationStore {
  /** By ARN, in submission order. */
  private readonly invocations = new Map<string, Invocation>();
  /** By account and token. */
  private readonly tokens = new Map<string, TokenUse>();
  /** Invocations between their generation time and their end (rendering, writing). */
  private readonly finishing = new Set<Promise<void>>();

  constructor(private readonly options: InvocationStoreOptions) {}

  /** Starts an invocation, or finds the one this token already started; returns its ARN. */
  async start(caller: Caller, request: StartRequest): Promise<string> {
    const { clientRequestToken: token } = request;
    if (token === undefined) return (await this.create(caller, request)).arn;
    const key = `${caller.account}\n${token}`;
    const used = this.tokens.get(key);
    if (used) {
      if (used.fingerprint !== request.fingerprint) {
        throw new BedrockError(
          "ConflictException",
          "The clientRequestToken was already used by a request with different parameters.",
        );
      }
      return (await used.started).arn;
    }
    // Held before the first await, so a concurrent retry finds it and waits for the same start.
    const started = this.create(caller, request);
    this.tokens.set(key, { fingerprint: request.fingerprint, started });
    try {
      return (await started).arn;
    } catch (error) {
      // A refused start used nothing: the token stays free.
      this.tokens.delete(key);
      throw error;
    }
  }

  get(caller: Caller, arn: string): InvocationView {
    const invocation = this.invocations.get(arn);
    if (!invocation || invocation.account !== caller.account) throw notFound(arn);
    return this.view(invocation);
  }

  list(caller: Caller, query: ListQuery) {
    const matching = [...this.invocations.values()].filter(
      (invocation) =>
        invocation.account === caller.account &&
        (query.status === undefined || invocation.status === query.status) &&
        (query.submittedAfterMs === undefined || invocation.submitMs > query.submittedAfterMs) &&
        (query.submittedBeforeMs === undefined || invocation.submitMs < query.submittedBeforeMs),
    );
    if (query.descending) matching.reverse();
    const end = query.offset + query.maxResults;
    return {
      asyncInvokeSummaries: matching.slice(query.offset, end).map((one) => this.view(one)),
      ...(end < matching.length && { nextToken: nextTokenFor(end) }),
    };
  }

  /**
   * Bedrock's outputs never expire — they are objects in the caller's own bucket — so this test
   * control changes nothing: it returns the invocation, found by ARN or id, whoever owns it.
   */
  expire(idOrArn: string): InvocationView {
    const invocation = [...this.invocations.values()].find(
      (candidate) => candidate.arn === idOrArn || candidate.id === idOrArn,
    );
    if (!invocation) throw notFound(idOrArn);
    return this.view(invocation);
  }

  /** Stops every unfinished invocation's timer, render and write, and waits until they have. */
  async close() {
    for (const invocation of this.invocations.values()) {
      clearTimeout(invocation.timer);
      invocation.stop.abort(new Error("provider emulator shutting down"));
    }
    await Promise.allSettled([...this.finishing]);
  }

  private async create(caller: Caller, request: StartRequest): Promise<Invocation> {
    const png = await firstFramePng(request.job);
    const id = newId();
    const dir = join(this.options.dataDir, id);
    await mkdir(dir, { recursive: true });
    const firstFrame = png ? join(dir, FIRST_FRAME_FILE) : undefined;
    if (firstFrame && png) await writeFile(firstFrame, png);
    const invocation: Invocation = {
      id,
      arn: `arn:aws:bedrock:${caller.region}:${caller.account}:async-invoke/${id}`,
      account: caller.account,
      clientRequestToken: request.clientRequestToken,
      job: request.job,
      output: request.output,
      location: outputLocation(request.output.s3Uri ?? "", id),
      submitMs: Date.now(),
      endMs: null,
      status: "InProgress",
      dir,
      firstFrame,
      injectedFailure: this.options.faults.takeJobFailure(),
      stop: new AbortController(),
    };
    this.invocations.set(invocation.arn, invocation);
    this.begin(invocation);
    return invocation;
  }

  private begin(invocation: Invocation) {
    const { job, dir, firstFrame, stop } = invocation;
    // Rendered at once, ended at the generation time: what a caller sees follows the clock.
    const rendered: Promise<unknown> = invocation.injectedFailure
      ? Promise.resolve(null)
      : this.options.renderer
          .render(
            {
              dir,
              prompt: job.prompt,
              seconds: job.seconds,
              width: job.width,
              height: job.height,
              referenceImage: firstFrame,
            },
            stop.signal,
          )
          .then(
            () => null,
            (error: unknown) => error ?? new Error("render failed"),
          );
    invocation.timer = setTimeout(() => {
      invocation.timer = undefined;
      const finishing = this.finish(invocation, rendered);
      this.finishing.add(finishing);
      void finishing.finally(() => this.finishing.delete(finishing));
    }, this.options.generationMs(job.seconds));
  }

  private async finish(invocation: Invocation, rendered: Promise<unknown>) {
    const { stop, injectedFailure, location } = invocation;
    try {
      if (injectedFailure) return this.end(invocation, "Failed", injectedFailure.message);
      const renderError = await rendered;
      if (stop.signal.aborted) return;
      if (renderError) {
        return this.end(invocation, "Failed", `Internal error: ${reasonOf(renderError)}`);
      }
      try {
        await this.options.output.write(location, join(invocation.dir, VIDEO_FILE), stop.signal);
      } catch (error) {
        if (stop.signal.aborted) return;
        return this.end(
          invocation,
          "Failed",
          `Failed to write the output to ${invocation.output.s3Uri}: ${reasonOf(error)}`,
        );
      }
      this.end(invocation, "Completed");
    } finally {
      // The video now lives in the caller's bucket only, as Bedrock keeps no copy.
      await rm(invocation.dir, { recursive: true, force: true });
    }
  }

  private end(invocation: Invocation, status: InvocationStatus, failureMessage?: string) {
    invocation.status = status;
    invocation.endMs = Date.now();
    if (failureMessage !== undefined) {
      invocation.failureMessage = failureMessage.slice(0, MAX_FAILURE_CHARS);
    }
  }

  private view(invocation: Invocation): InvocationView {
    const { arn, clientRequestToken, status, failureMessage, submitMs, endMs } = invocation;
    return {
      invocationArn: arn,
      modelArn: LUMA_RAY2_MODEL_ARN,
      ...(clientRequestToken !== undefined && { clientRequestToken }),
      status,
      ...(failureMessage !== undefined && { failureMessage }),
      submitTime: new Date(submitMs).toISOString(),
      lastModifiedTime: new Date(endMs ?? submitMs).toISOString(),
      ...(endMs !== null && { endTime: new Date(endMs).toISOString() }),
      outputDataConfig: { s3OutputDataConfig: invocation.output },
    };
  }
}
