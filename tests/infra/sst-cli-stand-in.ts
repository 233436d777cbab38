/**
 * A stand-in for the two calls SST's components make to the `sst` CLI over JSON-RPC at
 * `SST_SERVER` during a deploy (platform/src/components/rpc/rpc.ts):
 * - `Provider.Aws.Bootstrap` (helpers/bootstrap.ts): the asset and state buckets of a region;
 * - `Runtime.Build` (function.ts): bundle a Node handler the way the CLI does
 *   (pkg/runtime/runtime.go and pkg/runtime/node/build.go in sst/sst): esbuild into
 *   `<work>/artifacts/<id>-src/bundle.mjs`, sharp and pg-native always external and, for the
 *   packages `install` names, a package.json naming the version in the package.json nearest the
 *   handler (what the CLI's `npm install` then installs; not run here, as it needs the network).
 *   The CLI would also add sharp or pg-native where esbuild's metafile shows an import of kind
 *   "external", but esbuild reports an external import by how it is imported plus
 *   `external: true`, never by that kind, so only `install` brings a package, as here. Then
 *   `resource.enc`, the links sealed with AES-256-GCM under the function's key, zero nonce.
 *   `splitting` is not mirrored: each function is one file here, with the same code and imports
 *   as the CLI's entry and chunks together (what the tests read), laid out in fewer files.
 * It mirrors CLI internals: re-check it against those files on every SST upgrade.
 */
import { createCipheriv } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, isAbsolute, join } from "node:path";
import { build, type BuildOptions } from "esbuild";

/** What function.ts sends to Runtime.Build (only the fields a Node build reads). */
interface BuildInput {
  functionID: string;
  handler: string;
  runtime: string;
  encryptionKey: string;
  links: Record<string, unknown>;
  properties?: {
    install?: Record<string, string>;
    minify?: boolean;
    format?: "esm" | "cjs";
    esbuild?: Pick<BuildOptions, "external" | "define" | "minify" | "sourcemap">;
    banner?: string;
  };
}

/** Always external in the CLI's Node build (installed only when `install` names them). */
const FORCE_EXTERNAL = ["sharp", "pg-native"];
const NODE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
/** build.go's targetMap, for the runtimes Takes uses. */
const ESBUILD_TARGET: Record<string, string> = { "nodejs24.x": "es2024", "nodejs22.x": "es2023" };

/**
 * How long the stand-in waits for more builds before bundling those it has. Components ask for
 * every function's build within moments of each other; bundled in one esbuild run (one entry point
 * each, no code splitting: every bundle still stands alone, byte for byte as if built apart), the
 * shared sources (the AWS SDK, zod, core/) are parsed once instead of once per function.
 */
const GATHER_MS = 150;

export interface SstCliStandIn {
  url: string;
  /** Resolves once no call is being answered. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Serves the CLI's RPC for a program whose project root is `root`; builds go to `workDir`. */
export async function startSstCliStandIn(root: string, workDir: string): Promise<SstCliStandIn> {
  const methods: Record<string, (args: never) => Promise<unknown>> = {
    "Provider.Aws.Bootstrap": async ({ region }: { region: string }) => ({
      asset: `sst-asset-${region}`,
      assetEcrRegistryId: "123456789012",
      assetEcrUrl: `123456789012.dkr.ecr.${region}.amazonaws.com/sst-asset`,
      state: `sst-state-${region}`,
      appsyncHttp: "",
      appsyncRealtime: "",
    }),
    "Runtime.Build": gatherBuilds(root, workDir),
  };
  let answering = 0;
  let idle = Promise.resolve();
  let becameIdle = () => {};
  const server = createServer((request, response) => {
    if (answering++ === 0) idle = new Promise((resolve) => (becameIdle = resolve));
    response.on("close", () => {
      if (--answering === 0) becameIdle();
    });
    let body = "";
    request.on("data", (chunk: Buffer) => (body += chunk.toString()));
    request.on("end", async () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [never] };
      const call = methods[method];
      const reply = call
        ? await call(params[0]).then(
            (result) => ({ result, error: null }),
            (error: Error) => ({ result: null, error: error.message }),
          )
        : { result: null, error: `rpc: can't find method ${method}` };
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    idle: () => idle,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

interface PendingBuild {
  input: BuildInput;
  resolve(result: BuildResult): void;
  reject(error: unknown): void;
}
type BuildResult = Awaited<ReturnType<typeof finishBuild>>;

/** Answers Runtime.Build calls, bundling those that arrive together in one esbuild run. */
function gatherBuilds(root: string, workDir: string) {
  let pending: PendingBuild[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    const batch = pending;
    pending = [];
    // Functions built with the same options share a run; entry points are what differs.
    const runs = Map.groupBy(batch, ({ input }) => JSON.stringify(buildOptions(input)));
    for (const builds of runs.values()) {
      buildTogether(root, workDir, builds).catch((error: unknown) =>
        builds.forEach((build) => build.reject(error)),
      );
    }
  };
  return (input: BuildInput) =>
    new Promise<BuildResult>((resolve, reject) => {
      pending.push({ input, resolve, reject });
      clearTimeout(timer);
      timer = setTimeout(flush, GATHER_MS);
    });
}

/** The CLI's esbuild options for a function, all but its entry point and output file. */
function buildOptions(input: BuildInput): BuildOptions {
  const properties = input.properties ?? {};
  const esm = properties.format !== "cjs";
  return {
    platform: "node",
    bundle: true,
    metafile: true,
    keepNames: true,
    format: esm ? "esm" : "cjs",
    target: ESBUILD_TARGET[input.runtime] ?? "esnext",
    mainFields: esm ? ["module", "main"] : ["main"],
    external: [
      ...FORCE_EXTERNAL,
      ...Object.keys(properties.install ?? {}),
      ...(properties.esbuild?.external ?? []),
    ],
    define: properties.esbuild?.define,
    minify: properties.esbuild?.minify ?? properties.minify ?? true,
    sourcemap: properties.esbuild?.sourcemap ?? "linked",
    outExtension: { ".js": esm ? ".mjs" : ".cjs" },
    logLevel: "silent",
    banner: esm
      ? {
          js: [
            `import { createRequire as topLevelCreateRequire } from 'module';`,
            `const require = topLevelCreateRequire(import.meta.url);`,
            properties.banner ?? "",
          ].join("\n"),
        }
      : undefined,
  };
}

/** Bundles `builds` (same options) into artifacts/<id>-src/bundle.<ext>, one run for all. */
async function buildTogether(root: string, workDir: string, builds: PendingBuild[]) {
  const artifacts = join(workDir, "artifacts");
  const entries = builds.map(({ input }) => {
    const out = join(artifacts, `${input.functionID}-src`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out, { recursive: true });
    return { in: handlerFile(root, input.handler), out: `${input.functionID}-src/bundle` };
  });
  const result = await build({
    ...buildOptions(builds[0]!.input),
    entryPoints: entries,
    outdir: artifacts,
  });
  const outputs = Object.keys(result.metafile!.outputs).map((path) =>
    isAbsolute(path) ? path : join(process.cwd(), path),
  );
  builds.forEach((pending, index) =>
    pending.resolve(
      finishBuild(pending.input, entries[index]!.in, join(artifacts, entries[index]!.out), outputs),
    ),
  );
}

/**
 * What the CLI does after bundling one function: a package.json for the externals it installs,
 * the sealed links, and the reply naming the handler, the output folder and the source maps.
 */
function finishBuild(
  input: BuildInput,
  file: string,
  bundleBase: string,
  outputs: readonly string[],
) {
  const install = input.properties?.install ?? {};
  const out = dirname(bundleBase);
  const installs = Object.keys(install);
  if (installs.length > 0) {
    const nearest = JSON.parse(readFileSync(findUp(dirname(file), "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    const dependencies = Object.fromEntries(
      installs.map((name) => {
        const wanted = install[name];
        const pinned = wanted && wanted !== "*" ? wanted : nearest.dependencies?.[name];
        return [name, pinned ?? "*"];
      }),
    );
    writeFileSync(join(out, "package.json"), JSON.stringify({ dependencies }));
  }
  writeFileSync(join(out, "resource.enc"), seal(input.encryptionKey, input.links));
  return {
    handler: `bundle${extname(input.handler)}`,
    out,
    errors: [],
    sourcemaps: outputs.filter(
      (path) => path.startsWith(`${bundleBase}.`) && path.endsWith(".map"),
    ),
  };
}

/** "functions/http/health.handler" → functions/http/health.ts (node.go getFile). */
function handlerFile(root: string, handler: string): string {
  const base = handler.slice(0, handler.lastIndexOf("."));
  for (const extension of NODE_EXTENSIONS) {
    const file = isAbsolute(base) ? base + extension : join(root, base + extension);
    if (existsSync(file)) return file;
  }
  throw new Error(`Handler not found: ${handler}`);
}

function findUp(from: string, name: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, name))) return join(dir, name);
    if (dir === dirname(dir)) throw new Error(`File '${name}' not found`);
  }
}

/** AES-256-GCM, zero nonce, tag appended: what `sst`'s Resource reads from SST_KEY_FILE. */
function seal(keyBase64: string, links: unknown): Buffer {
  const cipher = createCipheriv("aes-256-gcm", Buffer.from(keyBase64, "base64"), Buffer.alloc(12));
  const sealed = Buffer.concat([cipher.update(JSON.stringify(links)), cipher.final()]);
  return Buffer.concat([sealed, cipher.getAuthTag()]);
}
