// Scheduled work.
import { queueAccess, tableAccess } from "./access";
import { workerHandler } from "./functions";
import { pollQueue } from "./queues";
import { jobs } from "./storage";

// Re-enqueues active jobs whose next poll is overdue: a lost poll message heals within a minute.
// It finds them in the sweeper's index and refiles jobs written before the index was sharded.
export const sweeper = new sst.aws.CronV2("Sweeper", {
  schedule: "rate(1 minute)",
  function: workerHandler("functions/schedules/sweeper.handler", [
    tableAccess(jobs, ["UpdateItem"], ["byNextPoll"]),
    queueAccess(pollQueue, ["SendMessage"]),
  ]),
});
