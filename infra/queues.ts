// Work queues. Each has a dead-letter queue so a message that keeps failing ends up where the
// dead-letter handler can mark its job failed, instead of vanishing.
import { media } from "./storage";

/** SQS's maximum retention: dead letters wait long enough for a human to look at them. */
const keepDeadLettersTwoWeeks = { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } };

export const pollDeadLetters = new sst.aws.Queue("PollDeadLetters", {
  transform: keepDeadLettersTwoWeeks,
});

/**
 * Poll requests for active jobs, re-enqueued with an adaptive delay. The poller may stream a whole
 * video to S3 (timeout 5 minutes), so a message must stay invisible longer than that.
 */
export const pollQueue = new sst.aws.Queue("PollQueue", {
  visibilityTimeout: "6 minutes",
  dlq: { queue: pollDeadLetters.arn, retry: 5 },
});

export const framesDeadLetters = new sst.aws.Queue("FramesDeadLetters", {
  transform: keepDeadLettersTwoWeeks,
});

/** Stored videos waiting for first/last frame extraction (frames timeout 2 minutes). */
export const framesQueue = new sst.aws.Queue("FramesQueue", {
  visibilityTimeout: "3 minutes",
  dlq: { queue: framesDeadLetters.arn, retry: 3 },
});

// A stored video (videos/{id}/video.mp4) queues its frame extraction. A bucket takes one notify().
media.notify({
  notifications: [
    {
      name: "VideoStored",
      queue: framesQueue,
      events: ["s3:ObjectCreated:*"],
      filterPrefix: "videos/",
      filterSuffix: "/video.mp4",
    },
  ],
});
