// The poll pipeline's workers against DynamoDB Local and fauxqs, with no consumer on the queue, so
// every poll they enqueue can be read back: the webhook route, the sweeper, the dead-letter
// handler, and the poller's handling of messages that need no provider call.
import { createHmac, randomBytes } from "node:crypto";
import { PurgeQueueCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import type { APIGatewayProxyEventV2, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Resource } from "sst";
import { dynamoClient } from "#core/aws";
import { UNSHARDED_POLL_KEY, pollShardOf } from "#core/jobs/model";
import { claimCopy, createJob, getJob } from "#core/jobs/repository";
import { failJob } from "#core/pipeline/failures";
import { parsePollMessage, type PollMessage } from "#core/pipeline/queue";
import { OVERDUE_GRACE_MS } from "#core/pipeline/sweep";
import { startLinkedResources, type LinkedResources } from "#local/link";
import { newJobInput } from "../support/jobs";

const webhookSecret = `whsec_${randomBytes(24).toString("base64")}`;

let aws: LinkedResources;
let pollQueueUrl: string;
let handlers: {
  webhook: typeof import("#functions/http/webhook").handler;
  sweeper: typeof import("#functions/schedules/sweeper").handler;
  poller: typeof import("#functions/queues/poller").handler;
  deadLetters: typeof import("#functions/queues/poll-dead-letters").handler;
};

beforeAll(async () => {
  // `Resource` reads the links once, on first access: linked before any handler runs.
  aws = await startLinkedResources({
    secrets: {
      WebhookSecret: webhookSecret,
      ProviderKey: "sk-operator-key",
      ProviderBaseUrl: "http://127.0.0.1:9/v1",
    },
  });
  pollQueueUrl = aws.queueUrls.PollQueue!;
  handlers = {
    webhook: (await import("#functions/http/webhook")).handler,
    sweeper: (await import("#functions/schedules/sweeper")).handler,
    poller: (await import("#functions/queues/poller")).handler,
    deadLetters: (await import("#functions/queues/poll-dead-letters")).handler,
  };
});
afterAll(async () => {
  await aws?.stop();
});
beforeEach(async () => {
  await aws.sqs.send(new PurgeQueueCommand({ QueueUrl: pollQueueUrl }));
});

/** Every poll waiting in the queue (nothing consumes it in this file). */
async function queuedPolls(): Promise<PollMessage[]> {
  const polls: PollMessage[] = [];
  for (;;) {
    const { Messages = [] } = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: pollQueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
      }),
    );
    if (Messages.length === 0) return polls;
    polls.push(...Messages.map((message) => parsePollMessage(message.Body ?? "")!));
  }
}

/** Polls enqueued with a delay, not yet receivable (fauxqs's inspection API shows them). */
async function delayedPolls(): Promise<PollMessage[]> {
  const queue = pollQueueUrl.split("/").pop()!;
  const response = await fetch(`${aws.awsUrl}/_fauxqs/queues/${queue}`);
  const { messages } = (await response.json()) as { messages: { delayed: { body: string }[] } };
  return messages.delayed.map((message) => parsePollMessage(message.body)!);
}

const HOUR = 3_600_000;

function webhookEvent(body: string, headers: Record<string, string>, provider = "openai") {
  return {
    version: "2.0",
    routeKey: "POST /api/webhooks/{provider}",
    rawPath: `/api/webhooks/${provider}`,
    rawQueryString: "",
    headers: { "content-type": "application/json", ...headers },
    pathParameters: { provider },
    body,
    isBase64Encoded: false,
    requestContext: {} as APIGatewayProxyEventV2["requestContext"],
  } satisfies APIGatewayProxyEventV2;
}

function signed(body: string, secret = webhookSecret, timestamp = Date.now()) {
  const id = `msg_${randomBytes(8).toString("hex")}`;
  const seconds = String(Math.floor(timestamp / 1000));
  const key = Buffer.from(secret.slice("whsec_".length), "base64");
  const signature = createHmac("sha256", key).update(`${id}.${seconds}.${body}`).digest("base64");
  return {
    "webhook-id": id,
    "webhook-timestamp": seconds,
    "webhook-signature": `v1,${signature}`,
  };
}

const videoEvent = (type: string, videoId: string) =>
  JSON.stringify({ id: `evt_${randomBytes(4).toString("hex")}`, type, data: { id: videoId } });

const sqsEvent = (...bodies: string[]): SQSEvent => ({
  Records: bodies.map((body, index) => ({
    messageId: `message-${index}`,
    receiptHandle: `handle-${index}`,
    body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(Date.now()),
      SenderId: "test",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:PollQueue",
    awsRegion: "us-east-1",
  })),
});

describe("POST /api/webhooks/{provider}", () => {
  it("a signed video.completed enqueues an immediate poll of the job, and answers 202", async () => {
    const job = await createJob(newJobInput());
    const body = videoEvent("video.completed", job.providerJobId);
    const reply = await handlers.webhook(webhookEvent(body, signed(body)));
    expect(reply.statusCode).toBe(202);
    expect(await queuedPolls()).toEqual([{ jobId: job.id }]);
  });

  it("a signed video.failed does too: the poll reads the reason from the provider", async () => {
    const job = await createJob(newJobInput());
    const body = videoEvent("video.failed", job.providerJobId);
    expect((await handlers.webhook(webhookEvent(body, signed(body)))).statusCode).toBe(202);
    expect(await queuedPolls()).toEqual([{ jobId: job.id }]);
  });

  it("refuses bad, missing and stale signatures with 401 JSON, and enqueues nothing", async () => {
    const job = await createJob(newJobInput());
    const body = videoEvent("video.completed", job.providerJobId);
    const otherSecret = `whsec_${randomBytes(24).toString("base64")}`;
    const attempts = [
      signed(body, otherSecret),
      { ...signed(body), "webhook-signature": "v1,AAAA" },
      {},
      signed(body, webhookSecret, Date.now() - 6 * 60_000),
      // Signed for another body.
      signed(videoEvent("video.completed", "video_other")),
    ];
    for (const headers of attempts) {
      const reply = await handlers.webhook(webhookEvent(body, headers));
      expect(reply.statusCode).toBe(401);
      expect(JSON.parse(reply.body as string)).toMatchObject({
        error: { code: "invalid_signature", message: expect.any(String) },
      });
    }
    expect(await queuedPolls()).toEqual([]);
  });

  it("accepts but ignores other events, unknown jobs and ended jobs", async () => {
    const ended = await createJob(newJobInput());
    await failJob(ended, { code: "x", message: "x" });
    const bodies = [
      videoEvent("batch.completed", ended.providerJobId),
      videoEvent("video.completed", "video_nobody_knows"),
      videoEvent("video.completed", ended.providerJobId),
    ];
    for (const body of bodies) {
      expect((await handlers.webhook(webhookEvent(body, signed(body)))).statusCode).toBe(202);
    }
    expect(await queuedPolls()).toEqual([]);
  });

  it("answers 400 for a provider Takes does not know, before looking at anything else", async () => {
    const body = videoEvent("video.completed", "video_1");
    const reply = await handlers.webhook(webhookEvent(body, signed(body), "nobody"));
    expect(reply.statusCode).toBe(400);
    expect(await queuedPolls()).toEqual([]);
  });
});

describe("sweeper", () => {
  it("re-enqueues active jobs whose poll is overdue past the grace, and no others", async () => {
    const now = Date.now();
    const lost = await createJob(newJobInput({ nextPollAt: now - OVERDUE_GRACE_MS - 5_000 }));
    const justDue = await createJob(newJobInput({ nextPollAt: now - 1_000 }));
    const later = await createJob(newJobInput({ nextPollAt: now + HOUR }));
    const ended = await createJob(newJobInput({ nextPollAt: now - OVERDUE_GRACE_MS - 5_000 }));
    await failJob(ended, { code: "x", message: "x" });
    // A copier that died: its lease (and so its nextPollAt) ran out long ago.
    const deadCopier = await createJob(newJobInput());
    await claimCopy(deadCopier, { leaseMs: 1_000, now: now - OVERDUE_GRACE_MS - 10_000 });
    // Lost by a version that filed every active job under one partition of the index.
    const lostBeforeSharding = await createJob(
      newJobInput({ nextPollAt: now - OVERDUE_GRACE_MS - 5_000 }),
    );
    await dynamoClient().send(
      new UpdateCommand({
        TableName: Resource.Jobs.name,
        Key: { id: lostBeforeSharding.id },
        UpdateExpression: "SET pollShard = :unsharded",
        ExpressionAttributeValues: { ":unsharded": UNSHARDED_POLL_KEY },
      }),
    );

    await handlers.sweeper();
    const requeued = (await queuedPolls()).map((poll) => poll.jobId);
    expect(requeued).toEqual(
      expect.arrayContaining([lost.id, deadCopier.id, lostBeforeSharding.id]),
    );
    expect((await getJob(lostBeforeSharding.id))?.pollShard).toBe(
      pollShardOf(lostBeforeSharding.id),
    );
    for (const id of [justDue.id, later.id, ended.id]) expect(requeued).not.toContain(id);
  });
});

describe("poll dead letters", () => {
  it("re-check the job: one Takes cannot poll yet is rescheduled, not failed; ended or missing jobs are left alone; nothing throws", async () => {
    // The provider URL points at a closed port: the re-check finds the provider unreachable, which
    // says nothing about the video.
    const healthy = await createJob(newJobInput());
    const ended = await createJob(newJobInput());
    await failJob(ended, { code: "provider_moderation", message: "Blocked by moderation." });
    const before = Date.now();
    const reply = await handlers.deadLetters(
      sqsEvent(
        JSON.stringify({ jobId: healthy.id }),
        JSON.stringify({ jobId: ended.id }),
        JSON.stringify({ jobId: "01JD0000000000000000000000" }),
        JSON.stringify({ jobId: "not-a-job-id" }),
        "not json at all",
      ),
    );
    expect(reply).toEqual({ batchItemFailures: [] });
    const rescheduled = await getJob(healthy.id);
    expect(rescheduled).toMatchObject({ status: "queued", error: null, consecutiveErrors: 1 });
    expect(rescheduled!.nextPollAt).toBeGreaterThan(before);
    expect(await delayedPolls()).toEqual([
      { jobId: healthy.id, scheduledFor: rescheduled!.nextPollAt },
    ]);
    expect((await getJob(ended.id))?.error?.code).toBe("provider_moderation");
  });

  it("fail a job that has run out of retries, with a clear reason", async () => {
    const old = await createJob(newJobInput(), new Date(Date.now() - 25 * HOUR));
    const reply = await handlers.deadLetters(sqsEvent(JSON.stringify({ jobId: old.id })));
    expect(reply).toEqual({ batchItemFailures: [] });
    expect(await getJob(old.id)).toMatchObject({
      status: "failed",
      error: {
        code: "processing_failed",
        message: "Takes could not process this job after retrying for 24 hours.",
      },
    });
    expect([...(await queuedPolls()), ...(await delayedPolls())]).toEqual([]);
  });

  it("leave a copy in progress to its copier, with a poll for when its lease ends", async () => {
    const job = await createJob(newJobInput());
    const claim = await claimCopy(job, { leaseMs: 60_000 });
    await handlers.deadLetters(sqsEvent(JSON.stringify({ jobId: job.id })));
    expect(await getJob(job.id)).toMatchObject({ status: "copying", copyLease: claim!.lease });
    expect(await delayedPolls()).toEqual([{ jobId: job.id, scheduledFor: claim!.lease.until }]);
  });
});

describe("poller", () => {
  it("drops a superseded poll, and polls of missing or ended jobs, without asking the provider", async () => {
    // The provider URL points at a closed port: any provider call would fail the poll.
    const scheduled = await createJob(newJobInput());
    const ended = await createJob(newJobInput());
    await failJob(ended, { code: "x", message: "x" });
    const reply = await handlers.poller(
      sqsEvent(
        JSON.stringify({ jobId: scheduled.id, scheduledFor: scheduled.nextPollAt! - 10_000 }),
        JSON.stringify({ jobId: ended.id }),
        JSON.stringify({ jobId: "01JD0000000000000000000000" }),
        "{}",
      ),
    );
    expect(reply).toEqual({ batchItemFailures: [] });
    expect(await getJob(scheduled.id)).toMatchObject({ status: "queued", pollCount: 0 });
    expect(await queuedPolls()).toEqual([]);
  });

  it("leaves a job another copier holds alone until its lease runs out", async () => {
    const job = await createJob(newJobInput());
    const claim = await claimCopy(job, { leaseMs: 60_000 });
    const reply = await handlers.poller(sqsEvent(JSON.stringify({ jobId: job.id })));
    expect(reply).toEqual({ batchItemFailures: [] });
    expect(await getJob(job.id)).toMatchObject({ status: "copying", copyLease: claim!.lease });
  });
});
