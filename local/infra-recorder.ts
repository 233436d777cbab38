/**
 * Runs `sst.config.ts` without SST, Pulumi or AWS: it installs recording stand-ins for the SST
 * globals (`$config`, `$app`, `sst.*`, `$interpolate`...), calls `run()`, and returns what the
 * infrastructure declares as a plain StackModel. The local stack builds its resources and wires
 * its handlers from that model, and tests/infra asserts on it, so local and AWS cannot drift.
 *
 * The stand-ins follow the SST 4 platform's own behaviour where it matters for the model (the
 * defaults of Function, Queue.subscribe and Bucket CORS; how routes merge the API's links; how
 * `transform` arguments apply). A component or method without a stand-in throws, naming itself,
 * rather than being silently left out of the model.
 */
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  emptyStackModel,
  type BucketModel,
  type FunctionModel,
  type QueueModel,
  type RouterModel,
  type SiteModel,
  type StackModel,
  type TableModel,
} from "./stack-model";

const repoRoot = resolve(import.meta.dirname, "..");
const APP_NAME = "takes";
const STAGE = "local";
const ACCOUNT = "000000000000";
const REGION = "us-east-1";

// SST 4 defaults (platform src/components/aws/function.ts, queue-lambda-subscriber.ts, queue.ts).
const DEFAULT_FUNCTION_TIMEOUT = "20 seconds";
const DEFAULT_FUNCTION_MEMORY = "1024 MB";
const DEFAULT_VISIBILITY_TIMEOUT = "30 seconds";
const DEFAULT_DLQ_RETRY = 3;
const DEFAULT_BATCH_SIZE = 10;
/** SQS keeps messages 4 days unless told otherwise. */
const SQS_DEFAULT_RETENTION_SECONDS = 4 * 24 * 60 * 60;

type Args = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Values: SST strings like "6 minutes" and "1 GB", Pulumi-style outputs and transforms.

/** Seconds in an SST duration ("30 seconds", "6 minutes", "1 hour", "14 days"), as SST computes it. */
export function durationToSeconds(duration: string): number {
  const match = /^(\d+(?:\.\d+)?) (second|minute|hour|day)s?$/.exec(duration.trim());
  if (!match) throw new Error(`Not an SST duration: "${duration}"`);
  const perUnit = { second: 1, minute: 60, hour: 3600, day: 86400 } as const;
  // SST parses the count with parseInt, so "1.5 minutes" is 60 s on AWS too.
  return parseInt(match[1]!, 10) * perUnit[match[2] as keyof typeof perUnit];
}

/** Megabytes in an SST size ("1024 MB", "1.5 GB"). */
export function sizeToMegabytes(size: string): number {
  const match = /^(\d+(?:\.\d+)?) (MB|GB)$/.exec(size.trim());
  if (!match) throw new Error(`Not an SST size: "${size}"`);
  return parseFloat(match[1]!) * (match[2] === "GB" ? 1024 : 1);
}

/** What `$output`/`$resolve` hand back: a resolved value with Pulumi's `apply`. */
class LocalOutput<T> {
  constructor(readonly value: T) {}
  apply<U>(fn: (value: T) => U): LocalOutput<U> {
    return new LocalOutput(resolveInputs(fn(this.value)) as U);
  }
}

/** Replaces every LocalOutput inside plain objects and arrays with its value. */
function resolveInputs(value: unknown): unknown {
  if (value instanceof LocalOutput) return resolveInputs(value.value);
  if (Array.isArray(value)) return value.map(resolveInputs);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveInputs(v)]));
  }
  return value;
}

function isPlainObject(value: unknown): value is Args {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** SST's `transform` helper: a function edits the args in place, an object is spread over them. */
function applyTransform(transform: unknown, name: string, args: Args): Args {
  if (typeof transform === "function") {
    (transform as (args: Args, opts: Args, name: string) => void)(args, {}, name);
    return args;
  }
  if (transform === undefined) return args;
  if (!isPlainObject(transform))
    throw new Error(`${name}: transform must be an object or function`);
  return { ...args, ...(resolveInputs(transform) as Args) };
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Error(`${what} must be a string, got ${typeof value}`);
  return value;
}

function requiredString(value: unknown, what: string): string {
  const text = optionalString(value, what);
  if (text === undefined) throw new Error(`${what} is required`);
  return text;
}

function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${what} must be a list`);
  return value.map((item, i) => requiredString(item, `${what}[${i}]`));
}

// ---------------------------------------------------------------------------------------------
// The recording: one per loadStackModel() run.

/** Every stand-in component: its component name and the SST type `Resource` reports for it. */
abstract class StandIn {
  constructor(
    readonly componentName: string,
    readonly componentType: string,
  ) {}
}

function createRecording() {
  const model = emptyStackModel();
  const componentNames = new Set<string>();
  /** ARN or URL of a stand-in → its component name, to turn references back into names. */
  const byAddress = new Map<string, string>();

  function register(component: StandIn, ...addresses: string[]) {
    if (componentNames.has(component.componentName)) {
      throw new Error(`Two components are named "${component.componentName}"`);
    }
    componentNames.add(component.componentName);
    for (const address of addresses) byAddress.set(address, component.componentName);
  }

  function componentAt(address: string, what: string): string {
    const name = byAddress.get(address);
    if (!name) throw new Error(`${what}: "${address}" is not a component of this app`);
    return name;
  }

  function linkNames(link: unknown, owner: string): string[] {
    if (link === undefined) return [];
    if (!Array.isArray(link)) throw new Error(`${owner}: link must be a list`);
    return link.map((item: unknown) => {
      if (item instanceof StandIn) return item.componentName;
      throw new Error(`${owner}: can only link components of this app, got ${String(item)}`);
    });
  }

  function environmentOf(environment: unknown, owner: string): Record<string, string> {
    if (environment === undefined) return {};
    if (!isPlainObject(environment)) throw new Error(`${owner}: environment must be an object`);
    return Object.fromEntries(
      Object.entries(environment).map(([key, value]) => [
        key,
        requiredString(value, `${owner}: environment.${key}`),
      ]),
    );
  }

  /**
   * Records the function SST would build from a route's, subscriber's or schedule's definition:
   * a handler string, FunctionArgs, or a Function component. `defaults` are merged the way SST's
   * functionBuilder does (links and environment concatenated, the rest overridden).
   */
  function functionFrom(
    name: string,
    definition: unknown,
    defaults: { link?: unknown; environment?: unknown } = {},
    transform?: unknown,
  ): FunctionModel {
    definition = resolveInputs(definition);
    if (definition instanceof FunctionStandIn) return definition.model;
    let args: Args;
    if (typeof definition === "string") {
      if (definition.startsWith("arn:")) {
        throw new Error(`${name}: a function referenced by ARN cannot be modelled locally`);
      }
      args = { handler: definition, ...defaults };
    } else if (isPlainObject(definition)) {
      args = {
        ...defaults,
        ...definition,
        link: [...((defaults.link as unknown[]) ?? []), ...((definition.link as unknown[]) ?? [])],
        environment: {
          ...((defaults.environment as Args) ?? {}),
          ...((definition.environment as Args) ?? {}),
        },
      };
    } else {
      throw new Error(`${name}: expected a handler, FunctionArgs or Function`);
    }
    return recordFunction(name, applyTransform(transform, name, args));
  }

  function recordFunction(name: string, rawArgs: Args): FunctionModel {
    const args = resolveInputs(rawArgs) as Args;
    if (model.functions[name]) throw new Error(`Two functions are named "${name}"`);
    const fn: FunctionModel = {
      name,
      handler: requiredString(args.handler, `${name}: handler`),
      timeout: durationToSeconds(
        optionalString(args.timeout, `${name}: timeout`) ?? DEFAULT_FUNCTION_TIMEOUT,
      ),
      memory: sizeToMegabytes(
        optionalString(args.memory, `${name}: memory`) ?? DEFAULT_FUNCTION_MEMORY,
      ),
      link: linkNames(args.link, name),
      environment: environmentOf(args.environment, name),
    };
    model.functions[name] = fn;
    return fn;
  }

  // --- Stand-ins for the components Takes uses -----------------------------------------------

  class SecretStandIn extends StandIn {
    readonly name: string;
    readonly value: string;
    readonly placeholder: string | undefined;
    constructor(name: string, placeholder?: unknown) {
      super(name, "sst.sst.Secret");
      register(this);
      this.name = name;
      this.placeholder = optionalString(resolveInputs(placeholder), `${name}: placeholder`);
      this.value = this.placeholder ?? `local-placeholder-${name}`;
      model.secrets.push(name);
      if (this.placeholder !== undefined) model.secretDefaults[name] = this.placeholder;
    }
  }

  class DynamoStandIn extends StandIn {
    readonly name: string;
    readonly arn: string;
    constructor(name: string, rawArgs: unknown = {}) {
      super(name, "sst.aws.Dynamo");
      this.name = name;
      this.arn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${name}`;
      register(this, this.arn);
      const args = resolveInputs(rawArgs) as Args;
      const index = (value: unknown, what: string) => {
        const { hashKey, rangeKey } = (value ?? {}) as Args;
        return {
          hashKey: requiredString(hashKey, `${what}.hashKey`),
          ...(rangeKey !== undefined && { rangeKey: requiredString(rangeKey, `${what}.rangeKey`) }),
        };
      };
      const table: TableModel = {
        fields: (args.fields ?? {}) as TableModel["fields"],
        primaryIndex: index(args.primaryIndex, `${name}: primaryIndex`),
        globalIndexes: Object.fromEntries(
          Object.entries((args.globalIndexes ?? {}) as Args).map(([indexName, value]) => [
            indexName,
            index(value, `${name}: globalIndexes.${indexName}`),
          ]),
        ),
      };
      const ttl = optionalString(args.ttl, `${name}: ttl`);
      if (ttl !== undefined) table.ttl = ttl;
      model.tables[name] = table;
    }
    subscribe(): never {
      throw new Error(`${this.componentName}: Dynamo streams have no local stand-in yet`);
    }
  }

  class BucketStandIn extends StandIn {
    readonly name: string;
    readonly arn: string;
    readonly domain: string;
    constructor(name: string, rawArgs: unknown = {}) {
      super(name, "sst.aws.Bucket");
      this.name = name;
      this.arn = `arn:aws:s3:::${name}`;
      this.domain = `${name}.s3.${REGION}.amazonaws.com`;
      register(this, this.arn);
      const args = resolveInputs(rawArgs) as Args;
      const bucket: BucketModel = {};
      if (args.cors !== false) {
        // SST's defaults when `cors` is not given: every method from every origin.
        const cors = (args.cors ?? {}) as Args;
        bucket.cors = {
          allowMethods: stringList(
            cors.allowMethods ?? ["DELETE", "GET", "HEAD", "POST", "PUT"],
            `${name}: cors.allowMethods`,
          ),
          allowOrigins: stringList(cors.allowOrigins ?? ["*"], `${name}: cors.allowOrigins`),
          allowHeaders: stringList(cors.allowHeaders ?? ["*"], `${name}: cors.allowHeaders`),
          exposeHeaders: stringList(cors.exposeHeaders ?? ["ETag"], `${name}: cors.exposeHeaders`),
          maxAge: durationToSeconds(
            optionalString(cors.maxAge, `${name}: cors.maxAge`) ?? "0 seconds",
          ),
        };
      }
      model.buckets[name] = bucket;
    }

    #notified = false;
    notify(rawArgs: unknown) {
      // AWS keeps one notification configuration per bucket; SST refuses a second call.
      if (this.#notified) throw new Error(`${this.componentName}: notify() may be called once`);
      this.#notified = true;
      const args = resolveInputs(rawArgs) as Args;
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
            : componentAt(requiredString(target, `${what}: queue`), what);
        const filterPrefix = optionalString(notification.filterPrefix, `${what}: filterPrefix`);
        const filterSuffix = optionalString(notification.filterSuffix, `${what}: filterSuffix`);
        model.bucketNotifications.push({
          name: requiredString(notification.name, `${what}: name`),
          bucket: this.componentName,
          queue,
          // SST subscribes to every event type when none are given; "all object events" locally.
          events: stringList(
            notification.events ?? ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
            `${what}: events`,
          ),
          ...(filterPrefix !== undefined && { filterPrefix }),
          ...(filterSuffix !== undefined && { filterSuffix }),
        });
      }
      return {};
    }
    subscribe(): never {
      throw new Error(
        `${this.componentName}: use notify() (Bucket.subscribe has no local stand-in)`,
      );
    }
    subscribeQueue(): never {
      throw new Error(`${this.componentName}: use notify() (subscribeQueue has no local stand-in)`);
    }
  }

  class QueueStandIn extends StandIn {
    readonly arn: string;
    readonly url: string;
    readonly #queue: QueueModel;
    constructor(name: string, rawArgs: unknown = {}) {
      super(name, "sst.aws.Queue");
      this.arn = `arn:aws:sqs:${REGION}:${ACCOUNT}:${name}`;
      this.url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
      register(this, this.arn, this.url);
      const args = resolveInputs(rawArgs) as Args;
      if (args.fifo) throw new Error(`${name}: FIFO queues have no local stand-in`);
      const dlq = args.dlq;
      const dlqArgs =
        dlq === undefined
          ? undefined
          : typeof dlq === "string"
            ? { queue: dlq, retry: DEFAULT_DLQ_RETRY }
            : (dlq as { queue: unknown; retry: unknown });
      // The SQS arguments SST derives, then the queue's own transform on top, as on AWS.
      const sqsArgs = applyTransform((args.transform as Args | undefined)?.queue, `${name}Queue`, {
        visibilityTimeoutSeconds: durationToSeconds(
          optionalString(args.visibilityTimeout, `${name}: visibilityTimeout`) ??
            DEFAULT_VISIBILITY_TIMEOUT,
        ),
        delaySeconds: durationToSeconds(
          optionalString(args.delay, `${name}: delay`) ?? "0 seconds",
        ),
        messageRetentionSeconds: SQS_DEFAULT_RETENTION_SECONDS,
      });
      this.#queue = {
        visibilityTimeout: Number(sqsArgs.visibilityTimeoutSeconds),
        delay: Number(sqsArgs.delaySeconds),
        retention: Number(sqsArgs.messageRetentionSeconds),
      };
      if (dlqArgs) {
        this.#queue.dlq = {
          queue: componentAt(requiredString(dlqArgs.queue, `${name}: dlq.queue`), `${name}: dlq`),
          retry: Number(dlqArgs.retry),
        };
      }
      model.queues[name] = this.#queue;
    }

    subscribe(subscriber: unknown, rawArgs: unknown = {}) {
      // An SQS event source mapping per queue: SST refuses a second subscriber.
      if (this.#queue.subscriber) {
        throw new Error(`${this.componentName}: a queue can only have one subscriber`);
      }
      const args = resolveInputs(rawArgs) as Args;
      if (args.filters !== undefined) {
        throw new Error(`${this.componentName}: subscriber filters have no local stand-in`);
      }
      const batch = (args.batch ?? {}) as Args;
      const fn = functionFrom(
        `${this.componentName}Subscriber`,
        subscriber,
        {},
        (args.transform as Args | undefined)?.function,
      );
      const window = optionalString(batch.window, `${this.componentName}: batch.window`);
      this.#queue.subscriber = {
        fn,
        batchSize: batch.size === undefined ? DEFAULT_BATCH_SIZE : Number(batch.size),
        batchWindow: window === undefined ? 0 : durationToSeconds(window),
        partialResponses: batch.partialResponses === true,
      };
      return { nodes: { function: fn } };
    }
  }

  class FunctionStandIn extends StandIn {
    readonly name: string;
    readonly arn: string;
    readonly model: FunctionModel;
    constructor(name: string, args: unknown) {
      super(name, "sst.aws.Function");
      this.name = name;
      this.arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`;
      register(this, this.arn);
      if (!isPlainObject(args)) throw new Error(`${name}: Function needs FunctionArgs`);
      this.model = recordFunction(name, args);
    }
    get url(): never {
      throw new Error(`${this.componentName}: function URLs have no local stand-in`);
    }
  }

  class ApiGatewayV2StandIn extends StandIn {
    readonly url: string;
    readonly #args: Args;
    constructor(name: string, rawArgs: unknown = {}) {
      super(name, "sst.aws.ApiGatewayV2");
      this.url = `https://${name.toLowerCase()}.execute-api.${REGION}.amazonaws.com`;
      register(this, this.url);
      this.#args = (rawArgs ?? {}) as Args;
    }

    /** "GET /api/videos/{id}" → "ApiGetVideosId": the API's name, the method, the path's words. */
    #functionName(method: string, path: string) {
      const pascal = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
      const words = path
        .split("/")
        .filter(Boolean)
        .filter((segment, i) => !(i === 0 && segment === "api"))
        .flatMap((segment) => segment.replace(/[{}+]/g, "").split(/[^A-Za-z0-9]+/))
        .filter(Boolean)
        .map(pascal);
      return `${this.componentName}${pascal(method.toLowerCase())}${words.join("")}`;
    }

    route(rawRoute: string, handler: unknown, rawArgs: unknown = {}) {
      const match = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (\/\S*)$/.exec(rawRoute.trim());
      if (!match) throw new Error(`${this.componentName}: cannot parse route "${rawRoute}"`);
      const [, method, path] = match as unknown as [string, string, string];
      const args = resolveInputs(rawArgs) as Args;
      if (args.auth !== undefined && args.auth !== false) {
        throw new Error(`${this.componentName}: route authorizers have no local stand-in`);
      }
      if (model.routes.some((route) => route.method === method && route.path === path)) {
        throw new Error(`${this.componentName}: route "${rawRoute}" is declared twice`);
      }
      const transform = (this.#args.transform as Args | undefined)?.route as Args | undefined;
      const fn = functionFrom(
        this.#functionName(method, path),
        handler,
        { link: resolveInputs(this.#args.link) },
        transform?.handler,
      );
      model.routes.push({ method, path, fn });
      return { nodes: { function: fn } };
    }
    routeUrl(): never {
      throw new Error(`${this.componentName}: routeUrl has no local stand-in`);
    }
    routePrivate(): never {
      throw new Error(`${this.componentName}: routePrivate has no local stand-in`);
    }
    addAuthorizer(): never {
      throw new Error(`${this.componentName}: authorizers have no local stand-in`);
    }
  }

  class RouterStandIn extends StandIn {
    readonly url: string;
    readonly routes: RouterModel["routes"] = [];
    constructor(name: string, rawArgs: unknown = {}) {
      super(name, "sst.aws.Router");
      this.url = `https://${name.toLowerCase()}.cloudfront.net`;
      register(this, this.url);
      if ((resolveInputs(rawArgs) as Args | undefined)?.routes !== undefined) {
        throw new Error(`${name}: inline routes have no local stand-in; use route()`);
      }
      model.routers[name] = { routes: this.routes };
    }
    route(pattern: unknown, url: unknown) {
      const target = requiredString(resolveInputs(url), `${this.componentName}: route url`);
      this.routes.push({
        path: requiredString(resolveInputs(pattern), `${this.componentName}: route pattern`),
        to: byAddress.get(target) ?? target,
      });
    }
    routeBucket(): never {
      throw new Error(`${this.componentName}: routeBucket has no local stand-in`);
    }
  }

  class SvelteKitStandIn extends StandIn {
    readonly url: string;
    constructor(name: string, rawArgs: unknown = {}) {
      super(name, "sst.aws.SvelteKit");
      this.url = `https://${name.toLowerCase()}.cloudfront.net`;
      register(this, this.url);
      const args = resolveInputs(rawArgs) as Args;
      const site: SiteModel = {
        path: optionalString(args.path, `${name}: path`) ?? ".",
        link: linkNames(args.link, name),
        environment: environmentOf(args.environment, name),
      };
      model.sites[name] = site;
      const router = args.router as Args | undefined;
      if (router !== undefined) {
        if (!(router.instance instanceof RouterStandIn)) {
          throw new Error(`${name}: router.instance must be a Router of this app`);
        }
        router.instance.routes.push({
          path: optionalString(router.path, `${name}: router.path`) ?? "/",
          to: name,
        });
      }
    }
  }

  class CronV2StandIn extends StandIn {
    constructor(name: string, rawArgs: unknown) {
      super(name, "sst.aws.CronV2");
      register(this);
      const args = resolveInputs(rawArgs) as Args;
      if (args.task !== undefined) throw new Error(`${name}: cron tasks have no local stand-in`);
      const target = args.function ?? args.job;
      if (target === undefined) throw new Error(`${name}: CronV2 needs a function`);
      if (args.enabled === false) return; // a disabled schedule never fires
      model.schedules.push({
        name,
        schedule: requiredString(args.schedule, `${name}: schedule`),
        fn: functionFrom(`${name}Handler`, target),
      });
    }
  }

  return {
    model,
    components: {
      Secret: SecretStandIn,
      aws: {
        Dynamo: DynamoStandIn,
        Bucket: BucketStandIn,
        Queue: QueueStandIn,
        Function: FunctionStandIn,
        ApiGatewayV2: ApiGatewayV2StandIn,
        Router: RouterStandIn,
        SvelteKit: SvelteKitStandIn,
        CronV2: CronV2StandIn,
      },
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Globals: installed for the duration of one run, then put back as they were.

/** `sst.aws.Foo` for a Foo without a stand-in throws, naming it, instead of "not a constructor". */
function strictNamespace<T extends object>(path: string, members: T): T {
  return new Proxy(members, {
    get(target, key, receiver) {
      if (typeof key === "symbol" || key in target) return Reflect.get(target, key, receiver);
      if (key === "then") return undefined; // not a thenable
      throw new Error(
        `The infra recorder has no stand-in for ${path}.${key} (local/infra-recorder.ts)`,
      );
    },
  });
}

function interpolate(strings: TemplateStringsArray, ...values: unknown[]): string {
  return strings.reduce(
    (text, part, i) => text + part + (i < values.length ? String(resolveInputs(values[i])) : ""),
    "",
  );
}

function withGlobals<T>(globals: Record<string, unknown>, body: () => Promise<T>): Promise<T> {
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

interface SstConfig {
  app(input: { stage: string }): Args | Promise<Args>;
  run(): Promise<unknown>;
}

async function record(): Promise<StackModel> {
  const recording = createRecording();
  const app: Args = { name: APP_NAME, stage: STAGE, removal: "remove", protect: false };
  const unsupported = (name: string) => () => {
    throw new Error(`The infra recorder has no stand-in for ${name} (local/infra-recorder.ts)`);
  };
  const globals: Record<string, unknown> = {
    $config: (config: SstConfig) => config,
    $app: app,
    $dev: false,
    sst: strictNamespace("sst", {
      Secret: recording.components.Secret,
      aws: strictNamespace("sst.aws", recording.components.aws),
    }),
    $interpolate: interpolate,
    $concat: (...parts: unknown[]) => parts.map((part) => String(resolveInputs(part))).join(""),
    $output: (value: unknown) => new LocalOutput(resolveInputs(value)),
    $resolve: (value: unknown) => new LocalOutput(resolveInputs(value)),
    $jsonStringify: (value: unknown, ...rest: [never?, (string | number)?]) =>
      JSON.stringify(resolveInputs(value), ...rest),
    $jsonParse: (text: unknown) => new LocalOutput(JSON.parse(String(resolveInputs(text)))),
    $transform: unsupported("$transform"),
    $asset: unsupported("$asset"),
  };
  return withGlobals(globals, async () => {
    const configUrl = pathToFileURL(join(repoRoot, "sst.config.ts")).href;
    const { default: config } = (await import(configUrl)) as { default: SstConfig };
    const appConfig = await config.app({ stage: STAGE });
    Object.assign(app, {
      name: appConfig.name ?? APP_NAME,
      removal: appConfig.removal ?? "retain",
      protect: appConfig.protect ?? false,
    });
    await config.run();
    return recording.model;
  });
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
