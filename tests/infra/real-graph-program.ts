/**
 * Runs `sst.config.ts` through the real SST components the way `sst deploy` runs it
 * (pkg/project/run.go and pkg/js/js.go in sst/sst), except that Pulumi's unit-test mocks stand in
 * for AWS and ./sst-cli-stand-in.ts for the CLI: bundle the program into .sst/platform with
 * `$app`, `$cli` and `$dev` defined, platform/src/shim/run.js injected and the `aws`/`sst`
 * namespaces imported into every file; run it; write every resource it registered, with its
 * inputs, as JSON to the file named by argv[2]. Run by ./real-graph.ts in a child process of its
 * own, because Pulumi's runtime is process-wide state. SST secrets come from SST_SECRET_<Name>,
 * as the CLI hands them over.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { startSstCliStandIn } from "./sst-cli-stand-in";

const root = resolve(import.meta.dirname, "../..");
const platform = join(root, ".sst/platform");
const outputFile = process.argv[2]!;
const stage = "graph";
const region = "us-east-1";
const account = "123456789012";

/** What the program registered: the graph a deploy would create. */
export interface GraphResource {
  type: string;
  /** Logical name, as infra/ and the components name it (no random suffix). */
  name: string;
  /** The name AWS knows it by (SST adds a random suffix), as its ARNs and URLs carry it. */
  physicalName: string;
  inputs: Record<string, unknown>;
}

export interface GraphRun {
  resources: GraphResource[];
  /** `$cli.paths.work`: where function zips are written (artifacts/<Function>/code.zip). */
  workDir: string;
  error?: string;
}

const workDir = mkdtempSync(join(tmpdir(), "takes-real-graph-"));
const resources: GraphResource[] = [];
/** The bundled program, written into .sst/platform so that it resolves the platform's packages. */
const program = join(platform, "real-graph", `sst.config.${process.pid}.mjs`);

function finish(error?: unknown) {
  rmSync(program, { force: true });
  const run: GraphRun = {
    resources,
    workDir,
    ...(error !== undefined && { error: error instanceof Error ? error.message : String(error) }),
  };
  writeFileSync(outputFile, JSON.stringify(run));
  process.exit(error === undefined ? 0 : 1);
}
// A failure inside an Output (a missing secret, say) would otherwise leave the run hanging.
process.on("unhandledRejection", finish);
process.on("uncaughtException", finish);

// sst.config.ts calls the global $config, which SST's shim defines as the identity.
Object.assign(globalThis, { $config: (config: unknown) => config });
const { default: config } = (await import(pathToFileURL(join(root, "sst.config.ts")).href)) as {
  default: { app(input: { stage: string }): Record<string, unknown> };
};
const app: Record<string, unknown> = { providers: { aws: {} }, ...config.app({ stage }), stage };
const cli = {
  command: "deploy",
  dev: false,
  paths: { home: workDir, root, work: workDir, platform },
  state: { version: {} },
};

mkdirSync(dirname(program), { recursive: true });
const globals = [
  `import * as aws from "@pulumi/aws";`,
  `import * as sst from "${join(platform, "src/components")}";`,
].join("\n");
await build({
  stdin: {
    contents: [
      `import { run } from "${join(platform, "src/auto/run.ts")}";`,
      `import mod from "${join(root, "sst.config.ts")}";`,
      `export default await run(mod.run);`,
    ].join("\n"),
    resolveDir: root,
    sourcefile: "eval.ts",
    loader: "ts",
  },
  bundle: true,
  format: "esm",
  platform: "node",
  outfile: program,
  nodePaths: [join(platform, "node_modules")],
  external: ["@pulumi/*", "undici", "@pulumiverse/*", "@sst-provider/*", "@aws-sdk/*"].concat([
    "esbuild",
    "archiver",
    "glob",
    "vite",
  ]),
  define: { $app: JSON.stringify(app), $cli: JSON.stringify(cli), $dev: "false" },
  inject: [join(platform, "src/shim/run.js")],
  banner: {
    js: [
      `import { createRequire as topLevelCreateRequire } from 'module';`,
      `const require = topLevelCreateRequire(import.meta.url);`,
      `import { fileURLToPath as topLevelFileUrlToPath, URL as topLevelURL } from "url"`,
      `const __filename = topLevelFileUrlToPath(import.meta.url)`,
      `const __dirname = topLevelFileUrlToPath(new topLevelURL(".", import.meta.url))`,
    ].join("\n"),
  },
  plugins: [
    {
      // js.go's InjectGlobals: every source outside .sst sees `aws` and `sst`.
      name: "inject-globals",
      setup(build) {
        build.onLoad({ filter: /\.(js|ts|jsx|tsx)$/ }, async ({ path }) => {
          const { readFile } = await import("node:fs/promises");
          const source = await readFile(path, "utf8");
          return {
            contents: path.includes(".sst") ? source : `${globals}\n${source}`,
            loader: "default",
          };
        });
      },
    },
  ],
  logLevel: "silent",
});

const cliStandIn = await startSstCliStandIn(root, workDir);
process.env.SST_SERVER = cliStandIn.url;

/** The parts of @pulumi/pulumi's runtime used here (its types live in .sst/platform only). */
interface PulumiRuntime {
  setMocks(
    mocks: {
      newResource(args: MockResource): { id: string; state: Record<string, unknown> };
      call(args: { token: string; inputs: Record<string, unknown> }): Record<string, unknown>;
    },
    project: string,
    stack: string,
    preview: boolean,
  ): Promise<void>;
  runInPulumiStack(init: () => Promise<Record<string, unknown>>): Promise<unknown>;
  waitForRPCs(): Promise<void>;
}
interface MockResource {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  id?: string;
}

// The platform's own Pulumi: the one the bundled program imports.
const { runtime: pulumiRuntime } = (await import(
  pathToFileURL(join(platform, "node_modules/@pulumi/pulumi/index.js")).href
)) as { runtime: PulumiRuntime };

const arn = (service: string, resource: string) =>
  `arn:aws:${service}:${region}:${account}:${resource}`;

/** The outputs AWS would report for a resource, as far as the components read them. */
function physicalNameOf(type: string, name: string, inputs: Record<string, unknown>) {
  if (type === "aws:s3/bucket:Bucket") return `${name.toLowerCase()}-${stage}`;
  return typeof inputs.name === "string" ? inputs.name : `${name}-${stage}`;
}

function stateOf(type: string, name: string, inputs: Record<string, unknown>) {
  const physical = physicalNameOf(type, name, inputs);
  const lambdaArn = arn("lambda", `function:${physical}`);
  const byType: Record<string, Record<string, unknown>> = {
    "aws:iam/role:Role": { arn: `arn:aws:iam::${account}:role/${physical}`, name: physical },
    "aws:lambda/function:Function": {
      arn: lambdaArn,
      invokeArn: `arn:aws:apigateway:${region}:lambda:path/functions/${lambdaArn}/invocations`,
      name: physical,
      codeSha256: randomBytes(32).toString("base64"),
    },
    "aws:lambda/functionUrl:FunctionUrl": {
      functionUrl: `https://${name.toLowerCase()}.lambda-url.${region}.on.aws/`,
    },
    "aws:dynamodb/table:Table": {
      arn: arn("dynamodb", `table/${physical}`),
      name: physical,
      streamArn: arn("dynamodb", `table/${physical}/stream/2026-01-01T00:00:00.000`),
    },
    "aws:sqs/queue:Queue": {
      arn: arn("sqs", physical),
      url: `https://sqs.${region}.amazonaws.com/${account}/${physical}`,
      name: physical,
    },
    "aws:s3/bucket:Bucket": {
      arn: `arn:aws:s3:::${physical}`,
      bucket: physical,
      bucketDomainName: `${physical}.s3.amazonaws.com`,
      bucketRegionalDomainName: `${physical}.s3.${region}.amazonaws.com`,
    },
    "aws:apigatewayv2/api:Api": {
      apiEndpoint: `https://${name.toLowerCase()}.execute-api.${region}.amazonaws.com`,
      executionArn: arn("execute-api", name.toLowerCase()),
    },
    "aws:cloudfront/distribution:Distribution": {
      arn: `arn:aws:cloudfront::${account}:distribution/${name}`,
      domainName: `${name.toLowerCase()}.cloudfront.net`,
      hostedZoneId: "Z2FDTNDATAQYW2",
    },
    "random:index/randomBytes:RandomBytes": {
      base64: randomBytes(Number(inputs.length ?? 32)).toString("base64"),
      hex: randomBytes(Number(inputs.length ?? 32)).toString("hex"),
    },
  };
  return { arn: arn(type.split(/[:/]/)[1] ?? "aws", physical), ...inputs, ...byType[type] };
}

/** Pulumi's secret wrapper ({[SECRET_SIG]: ..., value}) replaced by the value it wraps. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
function withoutSecretMarkers<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutSecretMarkers) as T;
  if (typeof value !== "object" || value === null) return value;
  if (SECRET_SIG in value) return withoutSecretMarkers((value as unknown as { value: T }).value);
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [key, withoutSecretMarkers(item)]),
  ) as T;
}

/** Policy documents as AWS spells them, so roles get the statements SST asked for. */
function policyDocument(statements: Array<Record<string, unknown>> = []) {
  const list = (value: unknown) => (Array.isArray(value) ? value : [value]);
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((statement) => ({
      Effect: statement.effect ?? "Allow",
      Action: list(statement.actions),
      Resource: list(statement.resources),
      ...(statement.principals !== undefined && { Principal: statement.principals }),
    })),
  });
}

await pulumiRuntime.setMocks(
  {
    newResource({ type, name, inputs, id }) {
      // A dynamic resource's inputs carry its provider's serialized code: not part of the graph.
      const recorded = withoutSecretMarkers(inputs);
      delete recorded.__provider;
      resources.push({
        type,
        name,
        physicalName: physicalNameOf(type, name, inputs),
        inputs: recorded,
      });
      return { id: id || `${name}-id`, state: stateOf(type, name, inputs) };
    },
    call({ token, inputs }) {
      switch (token) {
        case "aws:index/getPartition:getPartition":
          return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getRegion:getRegion":
          return { name: region, region, id: region };
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: account, arn: `arn:aws:iam::${account}:user/deployer`, id: account };
        case "aws:iam/getPolicyDocument:getPolicyDocument":
          return {
            ...inputs,
            json: policyDocument(inputs.statements as Array<Record<string, unknown>> | undefined),
            id: "policy",
          };
        default:
          return { ...inputs, id: token };
      }
    },
  },
  String(app.name),
  stage,
  false,
);

let failure: unknown;
try {
  // As Pulumi's Node host runs a program: inside the root stack resource.
  await pulumiRuntime.runInPulumiStack(async () => {
    const { default: outputs } = (await import(pathToFileURL(program).href)) as {
      default: Record<string, unknown>;
    };
    return outputs;
  });
  await waitUntilSettled();
} catch (error) {
  failure = error ?? new Error("The program failed");
}
await cliStandIn.close();
finish(failure);

/**
 * Components register resources from inside Outputs, after builds and zips: done once Pulumi has
 * no call in flight, the CLI stand-in no build, and a second look finds nothing new.
 */
async function waitUntilSettled() {
  const { setTimeout: sleep } = await import("node:timers/promises");
  let seen = -1;
  while (seen !== resources.length) {
    seen = resources.length;
    await pulumiRuntime.waitForRPCs();
    await cliStandIn.idle();
    await sleep(500);
  }
}
