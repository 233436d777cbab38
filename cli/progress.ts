/**
 * A job's progress while the CLI waits on it, on stderr so stdout keeps only the result: a live bar
 * on a terminal, a plain line per change otherwise (logs, CI, pipes).
 */
import { Presets, SingleBar } from "cli-progress";
import type { Job } from "./client";

export interface ProgressView {
  update(job: Job): void;
  stop(): void;
}

const phase = (job: Job) => {
  const status = job.status.replace("_", " ");
  if (job.queuePosition !== null) return `${status} (#${job.queuePosition} in the queue)`;
  return job.progressEstimated && job.status === "in_progress" ? `${status}, estimated` : status;
};

export function progressView(stream: NodeJS.WriteStream = process.stderr): ProgressView {
  return stream.isTTY ? barView(stream) : lineView(stream);
}

function barView(stream: NodeJS.WriteStream): ProgressView {
  const bar = new SingleBar(
    { stream, format: "{bar} {percentage}% | {phase}", hideCursor: true },
    Presets.shades_classic,
  );
  let started = false;
  // Ctrl-C leaves the job running: say how to pick it up again, and give the cursor back.
  let id = "";
  const interrupted = () => {
    bar.stop();
    stream.write(`Still running: takes wait ${id}\n`);
    process.exit(130);
  };
  return {
    update(job) {
      id = job.id;
      if (!started) {
        bar.start(100, job.progress, { phase: phase(job) });
        process.once("SIGINT", interrupted);
        started = true;
      } else bar.update(job.progress, { phase: phase(job) });
    },
    stop() {
      if (started) bar.stop();
      process.off("SIGINT", interrupted);
    },
  };
}

function lineView(stream: NodeJS.WriteStream): ProgressView {
  let last = "";
  return {
    update(job) {
      const line = `${job.id} ${phase(job)} ${job.progress}%`;
      if (line !== last) stream.write(`${line}\n`);
      last = line;
    },
    stop() {},
  };
}
