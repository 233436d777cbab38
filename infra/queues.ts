// Work queues and their workers. Every queue with a subscriber has a dead-letter queue, so a
// message that keeps failing ends up where it is handled or seen, instead of vanishing.
import { MEDIA_FILES, STORED_VIDEO_FILTER } from "../core/media/layout";
import { bucketAccess, queueAccess, tableAccess } from "./access";
import { pollsBedrockJobs } from "./bedrock";
import { workerHandler } from "./functions";
import { operatorKeys, providerBaseUrl, serverSecret } from "./secrets";
import { codes, jobs, media } from "./storage";

/** SQS's maximum retention: dead letters wait long enough for a human to look at them. */
const keepDeadLettersTwoWeeks = { queue: { messageRetentionSeconds: 14 * 24 * 60 * 60 } };

/** The end of the line: dead letters whose own handler kept failing. No subscriber; for a human. */
export const deadLetters = new sst.aws.Queue("DeadLetters", {
  transform: keepDeadLettersTwoWeeks,
});

export const pollDeadLetters = new sst.aws.Queue("PollDeadLetters", {
  transform: keepDeadLettersTwoWeeks,
  dlq: { queue: deadLetters.arn, retry: 5 },
});

/**
 * Jobs to delete (or cancel) at their provider (core/pipeline/provider-deletes.ts): a deleted
 * job's, or one the provider started that Takes could not record. Asked after the person's request
 * has answered, never during it; its worker's provider calls retry for up to a couple of minutes.
 */
export const providerDeletes = new sst.aws.Queue("ProviderDeletes", {
  visibilityTimeout: "3 minutes",
  dlq: { queue: deadLetters.arn, retry: 5 },
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

// A stored video queues its frame extraction; the filter is the bucket layout's own
// (core/media/layout.ts). A bucket takes one notify().
media.notify({
  notifications: [
    {
      name: "VideoStored",
      queue: framesQueue,
      events: ["s3:ObjectCreated:*"],
      filterPrefix: STORED_VIDEO_FILTER.prefix,
      filterSuffix: STORED_VIDEO_FILTER.suffix,
    },
  ],
});

const partialBatches = { batch: { size: 10, partialResponses: true } };

/** A job's folder in the bucket (core/media/layout.ts): its video, thumbnail, sprite and frames. */
const JOB_FILES = "videos/*";
/**
 * Moving a job on: reading and updating it, and, when it ends, giving the seconds it reserved back
 * to its access code (Codes) in the same transaction. A job that ended or was deleted meanwhile
 * has what was stored for it deleted.
 */
const movesJobs = [
  tableAccess(jobs, ["GetItem", "UpdateItem"]),
  tableAccess(codes, ["UpdateItem"]),
  queueAccess(pollQueue, ["SendMessage"]),
  ...operatorKeys,
  providerBaseUrl,
  serverSecret,
];

// Polls the provider and, once a job is done, streams its files into the job's folder, or adopts
// what the provider wrote into the bucket itself (incoming/, Bedrock). It acts with the person's
// sealed key (ServerSecret unseals it) or the operator's for the job's provider, and polls
// Bedrock with its own role.
pollQueue.subscribe(
  workerHandler(
    "functions/queues/poller.handler",
    [
      ...movesJobs,
      bucketAccess(media, {
        list: true,
        read: [JOB_FILES, "incoming/*"],
        write: [JOB_FILES],
        remove: [JOB_FILES, "incoming/*"],
      }),
    ],
    { timeout: "5 minutes", memory: "1024 MB", permissions: pollsBedrockJobs },
  ),
  partialBatches,
);

// Checks the jobs of dead-lettered polls with their provider again: rescheduled (PollQueue) while
// healthy, failed with their reserved seconds given back (Codes) when not.
pollDeadLetters.subscribe(
  workerHandler(
    "functions/queues/poll-dead-letters.handler",
    [...movesJobs, bucketAccess(media, { list: true, remove: [JOB_FILES] })],
    { permissions: pollsBedrockJobs },
  ),
  partialBatches,
);

// Deletes a job at its provider with the key that made it: the person's, sealed in the message
// (ServerSecret unseals it), or the operator's for the job's provider.
providerDeletes.subscribe(
  workerHandler(
    "functions/queues/provider-deletes.handler",
    [...operatorKeys, providerBaseUrl, serverSecret],
    { timeout: "2 minutes" },
  ),
  partialBatches,
);

/** Where `copyFiles` puts the static ffmpeg in the function package (Lambda's /var/task). */
const FFMPEG_IN_PACKAGE = "bin/ffmpeg";

// First and last frames (and a thumbnail and sprite sheet when the provider gave none), with the
// static ffmpeg build shipped beside the handler (docs/notes/ffmpeg.md). Memory buys CPU for ffmpeg.
// It reads the stored video and writes the frame files; what it made for a job deleted meanwhile
// it deletes again. Whether a frame is there already is a HEAD (GetObject), which answers 404
// only with ListBucket.
const frameFiles = [
  MEDIA_FILES.firstFrame,
  MEDIA_FILES.lastFrame,
  MEDIA_FILES.thumbnail,
  MEDIA_FILES.spritesheet,
].map(({ file }) => `videos/*/${file}`);
framesQueue.subscribe(
  workerHandler(
    "functions/queues/frames.handler",
    [
      tableAccess(jobs, ["GetItem", "UpdateItem"]),
      bucketAccess(media, {
        list: true,
        read: [`videos/*/${MEDIA_FILES.video.file}`, ...frameFiles],
        write: frameFiles,
        remove: [JOB_FILES],
      }),
    ],
    {
      timeout: "2 minutes",
      memory: "2048 MB",
      copyFiles: [
        { from: "node_modules/@ffmpeg-installer/linux-x64/ffmpeg", to: FFMPEG_IN_PACKAGE },
      ],
      environment: { FFMPEG_PATH: `/var/task/${FFMPEG_IN_PACKAGE}` },
    },
  ),
  partialBatches,
);
