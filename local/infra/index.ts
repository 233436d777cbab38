/**
 * Runs `sst.config.ts` without SST, Pulumi or AWS: it installs recording stand-ins for the SST
 * globals infra/ uses (`$config`, `sst.*`), calls `run()`, and returns what the infrastructure
 * declares as a plain StackModel (./model.ts). The local stack builds its resources and wires its
 * handlers from that model, and tests/infra asserts on it, so local and AWS cannot drift.
 *
 * One file per SST component, named as in the platform (platform/src/components/aws/); each copies
 * SST's behaviour where it matters for the model, with the defaults in ./defaults.ts. A component,
 * member or global without a stand-in throws, naming itself, rather than being silently left out.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ApiGatewayV2StandIn } from "./apigatewayv2";
import { BucketStandIn } from "./bucket";
import { CronV2StandIn } from "./cron-v2";
import { DynamoStandIn } from "./dynamo";
import type { StackModel } from "./model";
import { QueueStandIn } from "./queue";
import { recordDuring, strict } from "./recording";
import { RouterStandIn } from "./router";
import { SecretStandIn } from "./secret";
import { SvelteKitStandIn } from "./svelte-kit";

const repoRoot = resolve(import.meta.dirname, "../..");

interface SstConfig {
  run(): Promise<unknown>;
}

/** Only what sst.config.ts and infra/ use: any other SST global is undefined and throws by name. */
const globals: Record<string, unknown> = {
  $config: (config: SstConfig) => config,
  sst: strict("sst", {
    Secret: SecretStandIn,
    aws: strict("sst.aws", {
      ApiGatewayV2: ApiGatewayV2StandIn,
      Bucket: BucketStandIn,
      CronV2: CronV2StandIn,
      Dynamo: DynamoStandIn,
      Queue: QueueStandIn,
      Router: RouterStandIn,
      SvelteKit: SvelteKitStandIn,
    }),
  }),
};

/** Installs `globals` for the duration of `body`, then puts back what was there. */
function withGlobals<T>(body: () => Promise<T>): Promise<T> {
  const saved = Object.keys(globals).map(
    (key) => [key, Object.getOwnPropertyDescriptor(globalThis, key)] as const,
  );
  for (const [key, value] of Object.entries(globals)) {
    Object.defineProperty(globalThis, key, { value, configurable: true, writable: true });
  }
  return body().finally(() => {
    for (const [key, descriptor] of saved) {
      if (descriptor) Object.defineProperty(globalThis, key, descriptor);
      else Reflect.deleteProperty(globalThis, key);
    }
  });
}

function record(): Promise<StackModel> {
  return withGlobals(() =>
    recordDuring(async () => {
      const configUrl = pathToFileURL(join(repoRoot, "sst.config.ts")).href;
      const { default: config } = (await import(configUrl)) as { default: SstConfig };
      await config.run();
    }),
  );
}

let recorded: Promise<StackModel> | undefined;

/**
 * The StackModel `sst.config.ts` declares. Recorded once per process: the infra modules create
 * their components when first imported, and a module runs only once. Each caller gets its own copy.
 */
export async function loadStackModel(): Promise<StackModel> {
  // A failed recording stays failed: the infra modules that did run would not run again.
  recorded ??= record();
  return structuredClone(await recorded);
}
