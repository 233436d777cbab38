/**
 * `sst.aws.Bucket` (platform/src/components/aws/bucket.ts): its CORS rule, with SST's defaults
 * filled in, and its one `notify()` (bucket-notification.ts), to queues only.
 */
import { bucketCorsDefaults, bucketNotificationEvents } from "./defaults";
import type { BucketModel } from "./model";
import { QueueStandIn } from "./queue";
import { StandIn } from "./recording";
import { durationToSeconds, optionalString, requiredString, stringList, type Args } from "./values";

export class BucketStandIn extends StandIn {
  #notified = false;

  constructor(name: string, args: Args = {}) {
    super(name, "sst.aws.Bucket");
    const bucket: BucketModel = {};
    if (args.cors !== false) {
      const cors = (args.cors ?? {}) as Args;
      const list = (key: "allowMethods" | "allowOrigins" | "allowHeaders" | "exposeHeaders") =>
        stringList(cors[key] ?? bucketCorsDefaults[key], `${name}: cors.${key}`);
      bucket.cors = {
        allowMethods: list("allowMethods"),
        allowOrigins: list("allowOrigins"),
        allowHeaders: list("allowHeaders"),
        exposeHeaders: list("exposeHeaders"),
        maxAge: durationToSeconds(
          optionalString(cors.maxAge, `${name}: cors.maxAge`) ?? bucketCorsDefaults.maxAge,
        ),
      };
    }
    this.recording.model.buckets[name] = bucket;
  }

  notify(args: Args) {
    // AWS keeps one notification configuration per bucket; SST refuses a second call.
    if (this.#notified) throw new Error(`${this.componentName}: notify() may be called once`);
    this.#notified = true;
    if (!Array.isArray(args.notifications)) {
      throw new Error(`${this.componentName}: notify() needs a notifications list`);
    }
    for (const notification of args.notifications as Args[]) {
      const what = `${this.componentName}: notification ${String(notification.name)}`;
      if (notification.function !== undefined || notification.topic !== undefined) {
        throw new Error(`${what}: only queue targets have a local stand-in`);
      }
      const target = notification.queue;
      const queue =
        target instanceof QueueStandIn
          ? target.componentName
          : this.recording.componentAt(requiredString(target, `${what}: queue`), what);
      const filterPrefix = optionalString(notification.filterPrefix, `${what}: filterPrefix`);
      const filterSuffix = optionalString(notification.filterSuffix, `${what}: filterSuffix`);
      this.recording.model.bucketNotifications.push({
        name: requiredString(notification.name, `${what}: name`),
        bucket: this.componentName,
        queue,
        events: stringList(notification.events ?? bucketNotificationEvents, `${what}: events`),
        ...(filterPrefix !== undefined && { filterPrefix }),
        ...(filterSuffix !== undefined && { filterSuffix }),
      });
    }
    return this.result("notify");
  }
}
