/**
 * What `sst deploy` would create, built offline: the site built for Lambda (svelte-kit-sst), then
 * `sst.config.ts` run through the real SST components (./real-graph-program.ts) in a child
 * process. Readers for the resources tests assert on, by logical name.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { siteBuildIsStale } from "../../local/stack";
import type { GraphResource, GraphRun } from "./real-graph-program";

const repoRoot = resolve(import.meta.dirname, "../..");
const platform = join(repoRoot, ".sst/platform");

/** Where svelte-kit-sst writes, fixed by the adapter; SST's SvelteKit component reads it there. */
const SST_SITE_OUTPUT = join(repoRoot, "site/.svelte-kit/svelte-kit-sst");
/** Kit's own build folder for this build (svelte.config.js), apart from the local stack's. */
const SITE_BUILD = "build-real-graph";

function run(command: string, args: string[], env: Record<string, string>, cwd = repoRoot) {
  return new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: { ...process.env, ...env } });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

/**
 * `sst deploy` builds the site (`npm run build` with SST=1) before it bundles the server; a mocked
 * run executes no build command, so the site is built here first, unless that build is current.
 */
export async function buildSiteForLambda(): Promise<void> {
  if (!siteBuildIsStale(join(SST_SITE_OUTPUT, "server/lambda-handler/prerendered-file-list.js"))) {
    return;
  }
  const { code, output } = await run(
    process.execPath,
    [join(repoRoot, "node_modules/vite/bin/vite.js"), "build"],
    { SST: "1", TAKES_SITE_BUILD: SITE_BUILD },
    join(repoRoot, "site"),
  );
  if (code !== 0) throw new Error(`The site failed to build for Lambda:\n${output}`);
}

/** A Lambda function of the graph, named the way people name it. */
export interface GraphFunction {
  /** "GET /api/health", "PollQueue subscriber", "Sweeper schedule" or "Site server". */
  id: string;
  /** Its SST Function component, e.g. "ApiRouteNhntbkHandler" (artifacts/<component>-src). */
  component: string;
  inputs: Record<string, unknown> & {
    timeout: number;
    environment?: { variables?: Record<string, string> };
    role: string;
  };
  /** Its role's inline policy, on resources named logically: "Jobs/index/byOwner", "Media/x/*". */
  permissions: Record<string, string[]>;
}

interface Statement {
  Effect: string;
  Action: string[];
  Resource: string[];
}

const LAMBDA = "aws:lambda/function:Function";

export class RealGraph {
  constructor(
    readonly resources: GraphResource[],
    /** `$cli.paths.work`: function zips are at artifacts/<Function>/code.zip. */
    readonly workDir: string,
  ) {}

  all(type: string): GraphResource[] {
    return this.resources.filter((resource) => resource.type === type);
  }

  one(type: string, name: string): GraphResource {
    const found = this.resources.find((item) => item.type === type && item.name === name);
    if (!found) throw new Error(`The graph has no ${type} named ${name}`);
    return found;
  }

  /** The resource of `type` whose physical name ends the ARN or URL `reference`. */
  named(type: string, reference: string): GraphResource {
    const found = this.all(type).find((item) => reference.endsWith(item.physicalName));
    if (!found) throw new Error(`No ${type} is named by ${reference}`);
    return found;
  }

  /** Every Lambda function: API routes, queue subscribers, schedules and the site's server. */
  functions(): GraphFunction[] {
    const ids = new Map<GraphResource, string>();
    for (const fn of this.all(LAMBDA)) {
      const route = /^Api route (.+)$/.exec(String(fn.inputs.description))?.[1];
      if (route) ids.set(fn, route);
      if (fn.inputs.description === "Site server") ids.set(fn, "Site server");
    }
    for (const mapping of this.all("aws:lambda/eventSourceMapping:EventSourceMapping")) {
      const queue = this.named("aws:sqs/queue:Queue", String(mapping.inputs.eventSourceArn));
      const fn = this.named(LAMBDA, String(mapping.inputs.functionName));
      ids.set(fn, `${queue.name.replace(/Queue$/, "")} subscriber`);
    }
    for (const schedule of this.all("aws:scheduler/schedule:Schedule")) {
      const target = (schedule.inputs.target as { arn: string }).arn;
      ids.set(this.named(LAMBDA, target), `${schedule.name.replace(/Schedule$/, "")} schedule`);
    }
    return this.all(LAMBDA).map((fn) => {
      const id = ids.get(fn);
      if (!id)
        throw new Error(`${fn.name} is neither a route, a subscriber, a schedule nor a site`);
      const inputs = fn.inputs as GraphFunction["inputs"];
      const role = this.named("aws:iam/role:Role", inputs.role);
      return {
        id,
        component: fn.name.replace(/Function$/, ""),
        inputs,
        permissions: this.#permissions(role),
      };
    });
  }

  fn(id: string): GraphFunction {
    const found = this.functions().find((fn) => fn.id === id);
    if (!found) throw new Error(`The graph has no function ${id}`);
    return found;
  }

  /** A role's inline policy as logical resource → actions (tables' etc. ARNs renamed). */
  #permissions(role: GraphResource): Record<string, string[]> {
    const names = new Map<string, string>();
    for (const [type, suffix] of [
      ["aws:dynamodb/table:Table", /Table$/],
      ["aws:sqs/queue:Queue", /Queue$/],
      ["aws:s3/bucket:Bucket", /Bucket$/],
    ] as const) {
      for (const item of this.all(type))
        names.set(item.physicalName, item.name.replace(suffix, ""));
    }
    const logical = (arn: string) => {
      const match = /^arn:aws:(?:dynamodb:[^:]*:\d+:table\/|sqs:[^:]*:\d+:|s3:::)([^/]+)(.*)$/.exec(
        arn,
      );
      const name = match && names.get(match[1]!);
      return name ? `${name}${match![2]}` : arn;
    };
    const policies = (role.inputs.inlinePolicies ?? []) as Array<{ policy?: string }>;
    const permissions: Record<string, string[]> = {};
    for (const { policy } of policies) {
      if (!policy) continue;
      for (const statement of (JSON.parse(policy) as { Statement: Statement[] }).Statement) {
        if (statement.Effect !== "Allow") throw new Error(`${role.name}: a ${statement.Effect}`);
        for (const resource of statement.Resource) {
          const actions = (permissions[logical(resource)] ??= []);
          for (const action of statement.Action)
            if (!actions.includes(action)) actions.push(action);
        }
      }
    }
    for (const actions of Object.values(permissions)) actions.sort();
    return permissions;
  }

  dispose() {
    rmSync(this.workDir, { recursive: true, force: true });
  }
}

/**
 * Runs the program with `env` (SST_SECRET_<Name> for secrets, and whatever infra/ reads) and
 * returns its graph, or throws with the error the run ended with.
 */
export async function buildRealGraph(env: Record<string, string>): Promise<RealGraph> {
  if (!existsSync(join(platform, "src/components"))) {
    throw new Error(
      "The SST platform is not installed in .sst/platform: run `npm run typecheck:infra` first " +
        "(it runs `sst install` offline).",
    );
  }
  const outDir = mkdtempSync(join(tmpdir(), "takes-real-graph-out-"));
  const outFile = join(outDir, "graph.json");
  try {
    const { code, output } = await run(
      process.execPath,
      ["--import", "tsx", join(import.meta.dirname, "real-graph-program.ts"), outFile],
      env,
    );
    if (!existsSync(outFile))
      throw new Error(`The program ended (${code}) without a graph:\n${output}`);
    const graph = JSON.parse(readFileSync(outFile, "utf8")) as GraphRun;
    if (graph.error !== undefined) {
      rmSync(graph.workDir, { recursive: true, force: true });
      throw new Error(graph.error);
    }
    return new RealGraph(graph.resources, graph.workDir);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** A file in a zip: its name and its Unix mode (what Lambda extracts it with). */
export interface ZipEntry {
  name: string;
  mode: number;
}

/** The entries of the zip at `path`, read from its central directory. */
export function zipEntries(path: string): ZipEntry[] {
  const zip = readFileSync(path);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (end < 0) throw new Error(`${path} is not a zip`);
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    entries.push({
      name: zip.toString("utf8", offset + 46, offset + 46 + nameLength),
      mode: zip.readUInt32LE(offset + 38) >>> 16,
    });
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return entries;
}
