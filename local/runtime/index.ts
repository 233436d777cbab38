import { SQSClient } from "@aws-sdk/client-sqs";
import type { FunctionModel, StackModel } from "../infra/model";
import { startGateway } from "./gateway";
import { invoke as invokeLambda } from "./lambda";
import { startSchedules } from "./schedule";
import { startSqsEventSources } from "./sqs-event-source";

/**
 * The local stand-in for Lambda, API Gateway, SQS event source mappings and EventBridge
 * schedules: it runs the stack model's handlers in this process, fed the events AWS would send.
 */

export interface RuntimeOptions {
  model: StackModel;
  /** SST resources by component name; the event sources read queue URLs from here. */
  resources: Record<string, { name?: string; url?: string; value?: string }>;
  port: number;
  host?: string;
  /** Where non-API requests go (the SvelteKit server); without it they get a 404. */
  siteUrl?: string;
  /** Paths the API owns even where no route matches (their 404 is the API's, not the site's). */
  apiPathPrefix?: string;
  region?: string;
  /** Run every schedule this often instead of its declared rate (tests). */
  scheduleIntervalMs?: number;
  /** API Gateway's integration timeout; 30 s as on AWS unless a test needs it shorter. */
  integrationTimeoutMs?: number;
  /** Defaults to AWS_ENDPOINT_URL_SQS (queue URLs do not resolve locally). */
  sqsEndpoint?: string;
  /**
   * Long-poll wait of the SQS pollers. Short by default: fauxqs keeps serving a long poll after
   * its client has gone, so a poll cut off by a stop or crash would take the next message into
   * the void for a whole visibility timeout; a short wait keeps that window small.
   */
  sqsWaitTimeSeconds?: number;
  log?: (line: string) => void;
}

export interface Runtime {
  url: string;
  stop(): Promise<void>;
}

function everyFunction(model: StackModel): FunctionModel[] {
  return [
    ...Object.values(model.functions),
    ...model.routes.map((route) => route.fn),
    ...Object.values(model.queues).flatMap((queue) =>
      queue.subscriber ? [queue.subscriber.fn] : [],
    ),
    ...model.schedules.map((schedule) => schedule.fn),
  ];
}

/**
 * Every handler runs in this one process, so the functions' declared environments merge into
 * process.env. Values the process was started with win; two functions that disagree cannot both
 * be honoured, so that is an error.
 */
function adoptFunctionEnvironments(functions: FunctionModel[]) {
  const declared = new Map<string, { value: string; by: string }>();
  for (const fn of functions) {
    for (const [name, value] of Object.entries(fn.environment)) {
      const earlier = declared.get(name);
      if (earlier && earlier.value !== value) {
        throw new Error(
          `${earlier.by} and ${fn.name} set ${name} differently; the local runtime runs every handler in one process`,
        );
      }
      declared.set(name, { value, by: fn.name });
    }
  }
  for (const [name, { value }] of declared) process.env[name] ??= value;
}

export async function startRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { model } = options;
  const region = options.region ?? "us-east-1";
  const log = options.log ?? ((line: string) => console.error(line));
  adoptFunctionEnvironments(everyFunction(model));
  const invoke = (fn: FunctionModel, event: unknown) => invokeLambda(fn, event, { region, log });

  const schedules = startSchedules({
    schedules: model.schedules,
    region,
    intervalMs: options.scheduleIntervalMs,
    invoke,
  });
  const sqs = new SQSClient({
    region,
    endpoint: options.sqsEndpoint ?? process.env.AWS_ENDPOINT_URL_SQS,
  });
  let eventSources: ReturnType<typeof startSqsEventSources> | undefined;
  const stopWorkers = async () => {
    await Promise.all([eventSources?.stop(), schedules.stop()]);
    sqs.destroy();
  };
  try {
    eventSources = startSqsEventSources({
      model,
      queueUrls: Object.fromEntries(
        Object.entries(options.resources).map(([name, resource]) => [name, resource.url]),
      ),
      region,
      sqs,
      waitTimeSeconds: options.sqsWaitTimeSeconds ?? 1,
      invoke,
      log,
    });
    const gateway = await startGateway({
      routes: model.routes,
      host: options.host ?? "127.0.0.1",
      port: options.port,
      siteUrl: options.siteUrl,
      apiPathPrefix: options.apiPathPrefix,
      integrationTimeoutMs: options.integrationTimeoutMs ?? 30_000,
      invoke,
      log,
    });
    return {
      url: gateway.url,
      async stop() {
        await gateway.stop();
        await stopWorkers();
      },
    };
  } catch (error) {
    await stopWorkers();
    throw error;
  }
}
