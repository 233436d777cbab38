/**
 * A stand-in for the two calls SST's components make to the `sst` CLI over JSON-RPC at
 * `SST_SERVER` during a deploy (platform/src/components/rpc/rpc.ts):
 * - `Provider.Aws.Bootstrap` (helpers/bootstrap.ts): the asset and state buckets of a region;
 * - `Runtime.Build` (function.ts): bundle a Node handler the way the CLI does
 *   (pkg/runtime/runtime.go and pkg/runtime/node/build.go in sst/sst): esbuild into
 *   `<work>/artifacts/<id>-src/bundle.mjs`, sharp and pg-native always external and, when the
 *   bundle imports them, a package.json naming the version in the package.json nearest the
 *   handler (what the CLI's `npm install` then installs; not run here, as it needs the network),
 *   and `resource.enc`, the links sealed with AES-256-GCM under the function's key, zero nonce.
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

/** Always external in the CLI's Node build; installed with npm when the bundle imports them. */
const FORCE_EXTERNAL = ["sharp", "pg-native"];
const NODE_EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"];
/** build.go's targetMap, for the runtimes Takes uses. */
const ESBUILD_TARGET: Record<string, string> = { "nodejs24.x": "es2024", "nodejs22.x": "es2023" };

/**
 * The CLI builds at most four functions at once (SST_BUILD_CONCURRENCY); esbuild uses every core
 * for each, so two at a time keep a 2-core machine busy without holding twenty bundles in memory.
 */
const BUILDS_AT_ONCE = 2;
let running = 0;
const waiting: Array<() => void> = [];
async function withBuildSlot<T>(build: () => Promise<T>): Promise<T> {
  if (running >= BUILDS_AT_ONCE) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await build();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

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
    "Runtime.Build": (input: BuildInput) =>
      withBuildSlot(() => buildNodeFunction(root, workDir, input)),
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

async function buildNodeFunction(root: string, workDir: string, input: BuildInput) {
  const properties = input.properties ?? {};
  const out = join(workDir, "artifacts", `${input.functionID}-src`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const file = handlerFile(root, input.handler);
  const install = properties.install ?? {};
  const esm = properties.format !== "cjs";
  const minify = properties.esbuild?.minify ?? properties.minify ?? true;
  const result = await build({
    entryPoints: [file],
    platform: "node",
    bundle: true,
    metafile: true,
    keepNames: true,
    format: esm ? "esm" : "cjs",
    target: ESBUILD_TARGET[input.runtime] ?? "esnext",
    mainFields: esm ? ["module", "main"] : ["main"],
    external: [...FORCE_EXTERNAL, ...Object.keys(install), ...(properties.esbuild?.external ?? [])],
    define: properties.esbuild?.define,
    minify,
    sourcemap: properties.esbuild?.sourcemap ?? "linked",
    outfile: join(out, `bundle${esm ? ".mjs" : ".cjs"}`),
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
  });
  const importedExternals = new Set(
    Object.values(result.metafile.inputs).flatMap((source) =>
      source.imports.filter((item) => item.external).map((item) => item.path),
    ),
  );
  const installs = [
    ...Object.keys(install),
    ...FORCE_EXTERNAL.filter((name) => importedExternals.has(name)),
  ];
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
    errors: result.errors.map((error) => error.text),
    sourcemaps: Object.keys(result.metafile.outputs)
      .filter((path) => path.endsWith(".map"))
      .map((path) => (isAbsolute(path) ? path : join(process.cwd(), path))),
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
