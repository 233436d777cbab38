/**
 * Runway's tasks: what exists, whose it is, what state it is in, and what it cost.
 *
 * A task makes one video or one image. Each key is an organisation. It runs at most
 * `maxConcurrentTasks` tasks of one model at once; the rest wait as THROTTLED and start, oldest
 * first, as slots free. A started task's state comes from the clock (PENDING for the first tenth
 * of its generation time, then RUNNING with `progress` rising 0..1), so polling sees realistic
 * progress without per-tick work; it finishes at its generation time, or once its render has,
 * whichever is later. A task that succeeds charges its credits to the key's balance; failed and
 * cancelled ones are refunded (cost 0).
 */
import { randomUUID } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type RunwayML from "@runwayml/sdk";
import type { FaultInjector, JobFailure } from "../shared/faults";
import { renderImage } from "../shared/image";
import type { Renderer } from "../shared/render";
import { taskNotFound } from "./errors";
import { OUTPUT_FILES, type OutputUrls } from "./outputs";
import { ALL_MODEL_NAMES, ratioSize } from "./models";
import type { NewImageTask, NewTask, NewVideoTask } from "./requests";

type TaskView = RunwayML.TaskRetrieveResponse;
type OrganizationView = RunwayML.OrganizationRetrieveResponse;

/** The share of its generation time a started task shows PENDING before RUNNING. */
const PENDING_SHARE = 0.1;
const FIRST_FRAME_FILE = "first-frame.png";
const DAY_MS = 24 * 60 * 60 * 1000;
/** A fresh key's balance: $100 of credits. */
const STARTING_CREDITS = 10_000;
const MAX_MONTHLY_CREDIT_SPEND = 100_000;
/** What a failure injected without a Runway code reports (codes look like SAFETY.INPUT.TEXT). */
const DEFAULT_FAILURE_CODE = "SAFETY.INPUT.TEXT";
const RUNWAY_FAILURE_CODE = /^[A-Z_]+(\.[A-Z0-9_]+)+$/;
const RENDER_FAILURE_CODE = "INTERNAL.BAD_OUTPUT.CODE01";
const MAX_FAILURE_CHARS = 500;

type Outcome =
  | { status: "SUCCEEDED" }
  | { status: "FAILED"; failure: string; failureCode: string }
  | { status: "CANCELLED" };

/** A task's request as kept: the first frame lives on disk, not in memory. */
type TaskParams = Omit<NewVideoTask, "firstFramePng"> | NewImageTask;

interface Task {
  id: string;
  /** A hash of the key that created it; tasks are visible only to the same key. */
  owner: string;
  createdMs: number;
  params: TaskParams;
  dir: string;
  firstFrame?: string;
  /** How long this task "generates" once started; fixed at create. */
  generationMs: number;
  injectedFailure: JobFailure | null;
  /** Null while THROTTLED. */
  startedMs: number | null;
  /** Stops the render when the task is cancelled or the emulator closes. */
  render: AbortController;
  finishTimer?: NodeJS.Timeout;
  outcome: Outcome | null;
  /** Bumped by expire(): URLs minted under an older generation stop working. */
  urlGeneration: number;
}

export interface TaskStoreOptions {
  dataDir: string;
  generationMs: (seconds: number) => number;
  renderer: Renderer;
  faults: FaultInjector;
  outputs: OutputUrls;
  /** Tasks of one model one key may run at once; more wait THROTTLED. */
  maxConcurrentTasks: number;
}

export class TaskStore {
  private readonly tasks = new Map<string, Task>();
  private readonly spentCredits = new Map<string, number>();
  /** Creation times per key and model, for the organisation's daily usage. */
  private readonly created = new Map<string, number[]>();

  constructor(private readonly options: TaskStoreOptions) {}

  async create(owner: string, request: NewTask): Promise<string> {
    const id = randomUUID();
    const dir = join(this.options.dataDir, id);
    await mkdir(dir, { recursive: true });
    const { firstFramePng, ...params }: NewTask & { firstFramePng?: Buffer } = request;
    const firstFrame = firstFramePng ? join(dir, FIRST_FRAME_FILE) : undefined;
    if (firstFrame && firstFramePng) await writeFile(firstFrame, firstFramePng);

    const task: Task = {
      id,
      owner,
      createdMs: Date.now(),
      params,
      dir,
      firstFrame,
      // An image takes what a clip of no length takes.
      generationMs: this.options.generationMs(params.kind === "video" ? params.duration : 0),
      injectedFailure: this.options.faults.takeJobFailure(),
      startedMs: null,
      render: new AbortController(),
      outcome: null,
      urlGeneration: 0,
    };
    this.tasks.set(id, task);
    const usageKey = `${owner}\n${params.model}`;
    this.created.set(usageKey, [...(this.created.get(usageKey) ?? []), task.createdMs]);
    this.startWaiting(owner, params.model);
    return id;
  }

  retrieve(owner: string, id: string): TaskView {
    return this.view(this.find(owner, id));
  }

  /** Cancels an unfinished task (it then reads CANCELLED); deletes a finished one. */
  async delete(owner: string, id: string) {
    const task = this.find(owner, id);
    if (task.outcome === null) {
      task.outcome = { status: "CANCELLED" };
      this.stop(task, `task ${id} was cancelled`);
      this.startWaiting(owner, task.params.model);
      return;
    }
    this.tasks.delete(id);
    await rm(task.dir, { recursive: true, force: true });
  }

  /** The file behind a signed output URL, or null when the link does not hold (any reason). */
  outputFile(id: string, name: string, query: URLSearchParams) {
    const task = this.tasks.get(id);
    if (task?.outcome?.status !== "SUCCEEDED") return null;
    const output = OUTPUT_FILES[task.params.kind];
    if (name !== output.name) return null;
    if (!this.options.outputs.verify(id, name, task.urlGeneration, query)) return null;
    // An injected lapse: this link expired between the retrieve that minted it and this fetch.
    if (this.options.faults.takeOutputLapse()) return null;
    return { path: join(task.dir, output.name), contentType: output.contentType };
  }

  /** Voids every output URL minted so far for the task, whoever owns it (a test control). */
  expire(id: string) {
    const task = this.tasks.get(id);
    if (!task) throw taskNotFound();
    task.urlGeneration++;
    return { id, status: this.view(task).status };
  }

  organization(owner: string): OrganizationView {
    const since = Date.now() - DAY_MS;
    return {
      creditBalance: STARTING_CREDITS - (this.spentCredits.get(owner) ?? 0),
      tier: {
        maxMonthlyCreditSpend: MAX_MONTHLY_CREDIT_SPEND,
        models: Object.fromEntries(
          // Daily generations are not limited by the emulator.
          ALL_MODEL_NAMES.map((name) => [
            name,
            {
              maxConcurrentGenerations: this.options.maxConcurrentTasks,
              maxDailyGenerations: null,
            },
          ]),
        ),
      },
      usage: {
        models: Object.fromEntries(
          ALL_MODEL_NAMES.map((name) => [
            name,
            {
              dailyGenerations: (this.created.get(`${owner}\n${name}`) ?? []).filter(
                (createdMs) => createdMs > since,
              ).length,
            },
          ]),
        ),
      },
    };
  }

  /** Stops pending completions and running renders (on shutdown). */
  close() {
    for (const task of this.tasks.values()) {
      if (task.outcome === null) this.stop(task, "provider emulator shutting down");
    }
  }

  private find(owner: string, id: string): Task {
    const task = this.tasks.get(id);
    // Another key's task answers exactly like a missing one: ids must not leak across keys.
    if (!task || task.owner !== owner) throw taskNotFound();
    return task;
  }

  /** Starts the key's THROTTLED tasks of this model, oldest first, while slots are free. */
  private startWaiting(owner: string, model: string) {
    const mine = [...this.tasks.values()].filter(
      (task) => task.owner === owner && task.params.model === model && task.outcome === null,
    );
    let running = mine.filter((task) => task.startedMs !== null).length;
    for (const task of mine) {
      if (running >= this.options.maxConcurrentTasks) return;
      if (task.startedMs !== null) continue;
      this.start(task);
      running++;
    }
  }

  private start(task: Task) {
    task.startedMs = Date.now();
    const rendered: Promise<Outcome> = task.injectedFailure
      ? Promise.resolve(injectedOutcome(task.injectedFailure))
      : this.produce(task).then(
          (): Outcome => ({ status: "SUCCEEDED" }),
          (error: unknown): Outcome => ({
            status: "FAILED",
            failure: (error instanceof Error ? error.message : String(error)).slice(
              0,
              MAX_FAILURE_CHARS,
            ),
            failureCode: RENDER_FAILURE_CODE,
          }),
        );
    task.finishTimer = setTimeout(() => {
      task.finishTimer = undefined;
      void rendered.then((outcome) => this.finish(task, outcome));
    }, task.generationMs);
  }

  /** Writes the task's output file into its folder. */
  private async produce(task: Task): Promise<void> {
    const { params } = task;
    const { width, height } = ratioSize(params.ratio);
    if (params.kind === "image") {
      const png = await renderImage(params.promptText, width, height);
      await writeFile(join(task.dir, OUTPUT_FILES.image.name), png);
      return;
    }
    await this.options.renderer.render(
      {
        dir: task.dir,
        prompt: params.promptText,
        seconds: params.duration,
        width,
        height,
        referenceImage: task.firstFrame,
      },
      task.render.signal,
    );
  }

  private finish(task: Task, outcome: Outcome) {
    // Cancelled meanwhile, or the emulator is closing.
    if (task.outcome !== null || task.render.signal.aborted) return;
    task.outcome = outcome;
    if (outcome.status === "SUCCEEDED") {
      this.spentCredits.set(
        task.owner,
        (this.spentCredits.get(task.owner) ?? 0) + task.params.credits,
      );
    }
    this.startWaiting(task.owner, task.params.model);
  }

  private stop(task: Task, reason: string) {
    clearTimeout(task.finishTimer);
    task.finishTimer = undefined;
    task.render.abort(new Error(reason));
  }

  private view(task: Task): TaskView {
    const base = { id: task.id, createdAt: new Date(task.createdMs).toISOString() };
    const estimatedCost = { credits: task.params.credits };
    const { outcome } = task;
    switch (outcome?.status) {
      case "SUCCEEDED":
        return {
          ...base,
          status: "SUCCEEDED",
          output: [
            this.options.outputs.mint(
              task.id,
              OUTPUT_FILES[task.params.kind].name,
              task.urlGeneration,
            ),
          ],
          cost: { credits: task.params.credits },
        };
      case "FAILED":
        return {
          ...base,
          status: "FAILED",
          failure: outcome.failure,
          failureCode: outcome.failureCode,
          cost: { credits: 0 },
        };
      case "CANCELLED":
        return { ...base, status: "CANCELLED", cost: { credits: 0 } };
    }
    if (task.startedMs === null) return { ...base, status: "THROTTLED", estimatedCost };
    const share = (Date.now() - task.startedMs) / task.generationMs;
    if (share < PENDING_SHARE) return { ...base, status: "PENDING", estimatedCost };
    // Never 1 before the task has really finished.
    const progress = Math.min(0.99, Math.floor(share * 100) / 100);
    return { ...base, status: "RUNNING", progress, estimatedCost };
  }
}

/** An injected failure in Runway's terms: a code like SAFETY.INPUT.TEXT and its message. */
function injectedOutcome(failure: JobFailure): Outcome {
  return {
    status: "FAILED",
    failure: failure.message,
    failureCode: RUNWAY_FAILURE_CODE.test(failure.code) ? failure.code : DEFAULT_FAILURE_CODE,
  };
}
