// Scheduled work.
import { workerHandler } from "./functions";
import { pollQueue } from "./queues";
import { jobs } from "./storage";

// Re-enqueues active jobs whose next poll is overdue: a lost poll message heals within a minute.
export const sweeper = new sst.aws.CronV2("Sweeper", {
  schedule: "rate(1 minute)",
  function: workerHandler("functions/schedules/sweeper.handler", [jobs, pollQueue]),
});
