// A member infra/ would use but the recorder does not stand in for must fail loudly, naming
// itself, rather than read as undefined and leave something out of the model.
import { describe, expect, it } from "vitest";
import { QueueStandIn } from "#local/infra/queue";
import { recordDuring } from "#local/infra/recording";

describe("infra recorder stand-ins", () => {
  it("record what they stand in for", async () => {
    const model = await recordDuring(async () => {
      new QueueStandIn("Jobs", { visibilityTimeout: "2 minutes" });
    });
    expect(model.queues.Jobs).toMatchObject({ visibilityTimeout: 120, delay: 0 });
  });

  it("throw, naming it, on a member without a stand-in", async () => {
    const unknownMember = recordDuring(async () => {
      const queue = new QueueStandIn("Jobs") as QueueStandIn & { url: string };
      return queue.url;
    });
    await expect(unknownMember).rejects.toThrow('sst.aws.Queue("Jobs").url');
  });

  it("throw, naming it, on a member of what a method returned", async () => {
    const unknownResult = recordDuring(async () => {
      const queue = new QueueStandIn("Jobs");
      const subscribed = queue.subscribe("functions/queues/poller.handler") as { nodes?: unknown };
      return subscribed.nodes;
    });
    await expect(unknownResult).rejects.toThrow('sst.aws.Queue("Jobs").subscribe().nodes');
  });
});
