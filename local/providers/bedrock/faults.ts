/**
 * The shared faults plus two of Bedrock's own refusals, set through the same control
 * (`POST /_emulator/bedrock/faults`):
 *
 * - `validationErrors: {count, message?}` — the next requests answer ValidationException (400);
 * - `serviceUnavailable: {count}` — the next requests answer ServiceUnavailableException (503).
 *
 * The shared ones read as Bedrock's: `rateLimit` → ThrottlingException (429, without a
 * Retry-After: Bedrock sends none), `serverErrors` → InternalServerException (500), and
 * `failNextJobs` → the invocation ends Failed with the fault's message as its failureMessage.
 * They come first; then unavailability, then validation errors.
 */
import { z } from "zod";
import { FaultInjector } from "../shared/faults";
import { RequestRefused } from "../shared/http";

const bedrockFaultsSchema = z.strictObject({
  validationErrors: z
    .strictObject({ count: z.number().int().min(0), message: z.string().min(1).optional() })
    .optional(),
  serviceUnavailable: z.strictObject({ count: z.number().int().min(0) }).optional(),
});

const DEFAULT_VALIDATION_MESSAGE =
  "The provided request is not valid (injected by the provider emulator).";

export class BedrockFaults extends FaultInjector {
  private validationErrorsLeft = 0;
  private validationMessage = DEFAULT_VALIDATION_MESSAGE;
  private unavailableLeft = 0;

  override set(input: unknown) {
    const { validationErrors, serviceUnavailable, ...shared } = z
      .record(z.string(), z.unknown())
      .parse(input);
    const own = bedrockFaultsSchema.parse({ validationErrors, serviceUnavailable });
    super.set(shared);
    if (own.validationErrors) {
      this.validationErrorsLeft = own.validationErrors.count;
      this.validationMessage = own.validationErrors.message ?? DEFAULT_VALIDATION_MESSAGE;
    }
    if (own.serviceUnavailable) this.unavailableLeft = own.serviceUnavailable.count;
  }

  override clear() {
    super.clear();
    this.validationErrorsLeft = 0;
    this.validationMessage = DEFAULT_VALIDATION_MESSAGE;
    this.unavailableLeft = 0;
  }

  override takeRequestFault(): RequestRefused | null {
    const shared = super.takeRequestFault();
    if (shared) return shared;
    if (this.unavailableLeft > 0) {
      this.unavailableLeft--;
      return new RequestRefused(503, "Service unavailable (injected by the provider emulator).");
    }
    if (this.validationErrorsLeft > 0) {
      this.validationErrorsLeft--;
      return new RequestRefused(400, this.validationMessage);
    }
    return null;
  }
}
