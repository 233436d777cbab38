/**
 * Injected faults, set by tests through `POST /_emulator/{provider}/faults`: rate limits, server
 * errors, slowness and failing jobs, so the retry and failure paths of callers can be exercised
 * for real. Each provider's emulator has its own injector and words the faults in its own shape.
 */
import { z } from "zod";
import { RequestRefused } from "./http";

const faultsSchema = z.strictObject({
  rateLimit: z
    .strictObject({
      count: z.number().int().min(0),
      retryAfterSeconds: z.number().min(0).default(1),
    })
    .optional(),
  serverErrors: z.strictObject({ count: z.number().int().min(0) }).optional(),
  slowMs: z.number().int().min(0).optional(),
  failNextJobs: z
    .strictObject({
      count: z.number().int().min(0),
      code: z.string().min(1).optional(),
      message: z.string().min(1).optional(),
    })
    .optional(),
  /** The next fetches of output links find them lapsed (a provider whose links expire). */
  lapseNextOutputs: z.strictObject({ count: z.number().int().min(0) }).optional(),
  /**
   * The next jobs to be created finish with damaged output: a video file that is not an MP4, or
   * a thumbnail and sprite sheet that are SVG documents served as `image/svg+xml`.
   */
  damageNextJobs: z
    .strictObject({
      count: z.number().int().min(0),
      damage: z.enum(["corrupt-video", "svg-images"]),
    })
    .optional(),
});

export type OutputDamage = "corrupt-video" | "svg-images";

export type Faults = z.input<typeof faultsSchema>;

export interface JobFailure {
  code: string;
  message: string;
}

const DEFAULT_JOB_FAILURE: JobFailure = {
  code: "video_generation_failed",
  message: "Video generation failed (injected by the provider emulator).",
};

export class FaultInjector {
  private rateLimitsLeft = 0;
  private retryAfterSeconds = 1;
  private serverErrorsLeft = 0;
  private jobFailuresLeft = 0;
  private jobFailure = DEFAULT_JOB_FAILURE;
  private lapsedOutputsLeft = 0;
  private damagedJobsLeft = 0;
  private damage: OutputDamage = "corrupt-video";
  /** Added before every API answer. */
  slowMs = 0;

  /** Replaces the faults named in `input`; faults it does not name stay as they are. */
  set(input: unknown) {
    const faults = faultsSchema.parse(input);
    if (faults.rateLimit) {
      this.rateLimitsLeft = faults.rateLimit.count;
      this.retryAfterSeconds = faults.rateLimit.retryAfterSeconds;
    }
    if (faults.serverErrors) this.serverErrorsLeft = faults.serverErrors.count;
    if (faults.slowMs !== undefined) this.slowMs = faults.slowMs;
    if (faults.lapseNextOutputs) this.lapsedOutputsLeft = faults.lapseNextOutputs.count;
    if (faults.damageNextJobs) {
      this.damagedJobsLeft = faults.damageNextJobs.count;
      this.damage = faults.damageNextJobs.damage;
    }
    if (faults.failNextJobs) {
      this.jobFailuresLeft = faults.failNextJobs.count;
      this.jobFailure = {
        code: faults.failNextJobs.code ?? DEFAULT_JOB_FAILURE.code,
        message: faults.failNextJobs.message ?? DEFAULT_JOB_FAILURE.message,
      };
    }
  }

  clear() {
    this.rateLimitsLeft = 0;
    this.serverErrorsLeft = 0;
    this.jobFailuresLeft = 0;
    this.jobFailure = DEFAULT_JOB_FAILURE;
    this.lapsedOutputsLeft = 0;
    this.damagedJobsLeft = 0;
    this.slowMs = 0;
  }

  /** The refusal the next API request must answer with, if any (rate limits come first). */
  takeRequestFault(): RequestRefused | null {
    if (this.rateLimitsLeft > 0) {
      this.rateLimitsLeft--;
      return new RequestRefused(
        429,
        "Rate limit reached for requests. Please try again later.",
        this.retryAfterSeconds,
      );
    }
    if (this.serverErrorsLeft > 0) {
      this.serverErrorsLeft--;
      return new RequestRefused(
        500,
        "The server had an error while processing your request. Sorry about that!",
      );
    }
    return null;
  }

  /** Whether the output link being fetched must be found lapsed. */
  takeOutputLapse(): boolean {
    if (this.lapsedOutputsLeft <= 0) return false;
    this.lapsedOutputsLeft--;
    return true;
  }

  /** Whether the job being created must finish with damaged output, and how. */
  takeOutputDamage(): OutputDamage | null {
    if (this.damagedJobsLeft <= 0) return null;
    this.damagedJobsLeft--;
    return this.damage;
  }

  /** Whether the job being created must fail, and how. */
  takeJobFailure(): JobFailure | null {
    if (this.jobFailuresLeft <= 0) return null;
    this.jobFailuresLeft--;
    return this.jobFailure;
  }
}
