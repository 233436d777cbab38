/** A remix: a new job from a finished one, with a new prompt, at the same provider. */
import { credentialFor } from "../caller-providers";
import type { ResolvedCredential } from "../credentials";
import { badRequest, TakesError } from "../errors";
import { fn } from "../fn";
import { once } from "../idempotency";
import { askProvider, getProvider } from "../providers";
import { findModel } from "../providers/declarations";
import { withReservedSeconds } from "../quota";
import { checkRateLimit } from "../rate-limit";
import { RemixRequest } from "../requests";
import { startClock, TIME_BUDGETS } from "../time-budgets";
import { ownJob } from "./index";
import { keyedRequest, madeJob, recordNewJob, type StartOptions } from "./start";
import type { PublicJob } from "./view";

/**
 * A new job from a finished one, with a new prompt, on the same provider and settings. Limited,
 * paid for, timed and made once per Idempotency-Key as a new video is (see createVideo), from the
 * "remix" budget.
 */
export const remixVideo = fn(
  RemixRequest,
  async (
    caller: ResolvedCredential,
    { id, prompt },
    { idempotencyKey, clock = startClock(TIME_BUDGETS.startVideo) }: StartOptions = {},
  ): Promise<PublicJob> => {
    const parent = await ownJob(caller, id);
    const provider = getProvider(parent.provider);
    if (!provider.remix || !findModel(provider, parent.model)?.remix) {
      throw badRequest("remix_unsupported", `${provider.label} cannot remix this video.`);
    }
    const credential = credentialFor(caller, provider);
    if (parent.status !== "completed") {
      throw new TakesError(409, "not_completed", "Only a completed video can be remixed.");
    }
    const remix = provider.remix.bind(provider);
    return once(keyedRequest(caller, idempotencyKey, { remix: { id, prompt } }), {
      endsAt: clock.endsAt,
      replay: (jobId) => madeJob(caller, jobId),
      start: async (jobId) => {
        await checkRateLimit(caller.ownerId, "remix");
        const { result } = await withReservedSeconds(
          caller,
          parent.seconds,
          async (reservation) => {
            const time = clock.providerCall();
            const { providerJobId } = await askProvider(
              () => remix(credential, parent, { jobId, prompt, time }),
              time,
            );
            return recordNewJob(caller, {
              id: jobId,
              provider: provider.name,
              providerJobId,
              model: parent.model,
              prompt,
              seconds: parent.seconds,
              size: parent.size,
              sound: parent.sound,
              parentId: parent.id,
              quotaReservation: reservation,
            });
          },
        );
        return result;
      },
    });
  },
);
