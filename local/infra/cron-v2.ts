/** `sst.aws.CronV2` (platform/src/components/aws/cron-v2.ts): a schedule and its function. */
import { functionBuilder } from "./function";
import { StandIn } from "./recording";
import { requiredString, type Args } from "./values";

export class CronV2StandIn extends StandIn {
  constructor(name: string, args: Args) {
    super(name, "sst.aws.CronV2");
    if (args.task !== undefined) throw new Error(`${name}: cron tasks have no local stand-in`);
    const target = args.function ?? args.job;
    if (target === undefined) throw new Error(`${name}: CronV2 needs a function`);
    if (args.enabled === false) return; // a disabled schedule never fires
    this.recording.model.schedules.push({
      name,
      schedule: requiredString(args.schedule, `${name}: schedule`),
      fn: functionBuilder(this.recording, `${name}Handler`, target),
    });
  }
}
