import { requeueOverduePolls } from "#core/pipeline/sweep";

/** Every minute: active jobs whose next poll is overdue get a new poll message. */
export const handler = async (): Promise<{ requeued: number }> => ({
  requeued: await requeueOverduePolls(),
});
