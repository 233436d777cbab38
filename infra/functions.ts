// The one place for Lambda defaults, so every route or worker is declared in one line.
import { lambdaTimeoutSeconds, TIME_BUDGETS, type TimeBudget } from "../core/time-budgets";

type Link = NonNullable<sst.aws.FunctionArgs["link"]>;

const defaults = {
  runtime: "nodejs24.x",
  // x86_64 because the frames worker ships the static x64 ffmpeg build and sharp's linux-x64
  // binary; one architecture everywhere keeps bundles interchangeable.
  architecture: "x86_64",
  timeout: "20 seconds",
  memory: "1024 MB",
  // Split, so providers' SDKs, sharp and lib-storage sit in chunks loaded on their first call
  // (core/providers/index.ts) rather than in every handler's one file; minified, as SST's builder
  // does only when asked (bench/lean-lambdas.ts measures what each handler loads). No source maps
  // in the zip (SST's default): Node parsing them cost every cold start 15-35 ms; SST uploads them
  // to the bootstrap bucket for its Console, and keepNames leaves function names in stack traces.
  nodejs: { format: "esm", splitting: true, minify: true },
  environment: {
    POWERTOOLS_SERVICE_NAME: "takes",
  },
} satisfies Partial<sst.aws.FunctionArgs>;

/**
 * For the functions that fit or check images with sharp (core/media/fit.ts, core/images.ts): a
 * native package SST's builder leaves external and installs, for Lambda's platform, only when
 * `install` names it (its own check for an external sharp import looks for an import kind esbuild
 * never reports). The version comes from the nearest package.json, as the tests run it.
 */
export const installsSharp = ["sharp"];

/** Per-function settings; plain values, so they merge over the defaults. */
interface Overrides {
  timeout?: sst.aws.FunctionArgs["timeout"];
  memory?: sst.aws.FunctionArgs["memory"];
  environment?: Record<string, string>;
  nodejs?: $util.Unwrap<NonNullable<sst.aws.FunctionArgs["nodejs"]>>;
  copyFiles?: sst.aws.FunctionArgs["copyFiles"];
  /** IAM permissions beyond what its links grant (a provider called with the function's role). */
  permissions?: sst.aws.FunctionArgs["permissions"];
}

function build(handler: string, link: Link, overrides: Overrides = {}): sst.aws.FunctionArgs {
  return {
    ...defaults,
    ...overrides,
    handler,
    link,
    nodejs: { ...defaults.nodejs, ...overrides.nodejs },
    environment: { ...defaults.environment, ...overrides.environment },
  };
}

/**
 * A handler behind the HTTP API. API Gateway answers 504 after 30 s whatever the Lambda does, so
 * its timeout comes from the time budget of what it does (core/time-budgets.ts; by default DynamoDB,
 * S3 and SQS only), and tests/unit/time-budgets.test.ts checks the sums.
 */
export function httpHandler(
  handler: string,
  link: Link,
  {
    budget = TIME_BUDGETS.storageOnly,
    ...overrides
  }: Omit<Overrides, "timeout"> & { budget?: TimeBudget } = {},
) {
  return build(handler, link, { ...overrides, timeout: lambdaTimeout(budget) });
}

/** The Lambda timeout a request of `budget` needs, as SST spells it. */
export const lambdaTimeout = (budget: TimeBudget) =>
  `${lambdaTimeoutSeconds(budget)} seconds` as const;

/** A queue or schedule worker; give it the timeout its slowest message needs. */
export function workerHandler(handler: string, link: Link, overrides?: Overrides) {
  return build(handler, link, overrides);
}
