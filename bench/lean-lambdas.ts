/**
 * Every Lambda bundled as SST's Node builder bundles it, and what each one costs at a cold start:
 * the bytes it loads, the packages among them, and how long a fresh Node process takes to import it,
 * against a trivial handler and against the handler's own floor — a bundle that imports just the
 * AWS SDK packages the handler's cold start imports. Everything is measured in the same run.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile, type Plugin } from "esbuild";
import { fixed, median, percentile, printHeading, printTable, ratio } from "./support";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The infra files that name the handlers (`"functions/….handler"`): the list has one home. */
const INFRA_FILES = ["infra/api.ts", "infra/queues.ts", "infra/schedules.ts"];
const RUNS = Number(process.argv[process.argv.indexOf("--runs") + 1]) || 5;

/**
 * SST's esbuild options for a deployed Node function (sst/sst pkg/runtime/node/build.go, SST 4),
 * with infra/functions.ts's `nodejs` settings: ESM, minified, `splitting` as infra sets it,
 * ES2024 for nodejs24.x, sharp always external. `@aws-sdk/*` is external too: the Lambda runtime
 * provides it, and these figures are about what Takes' own code brings.
 */
const SPLITTING = true;
const EXTERNAL = ["sharp", "pg-native", "@aws-sdk/*"];
const SST_BANNER = [
  `import { createRequire as topLevelCreateRequire } from 'module';`,
  `const require = topLevelCreateRequire(import.meta.url);`,
].join("\n");
/** SST injects `__filename` and `__dirname` as a module (js.ESMShimsSource). */
const ESM_SHIMS = `
import path from "node:path";
import { fileURLToPath } from "node:url";
const getFilename = () => fileURLToPath(import.meta.url);
const getDirname = () => path.dirname(getFilename());
export const __filename = /* @__PURE__ */ getFilename();
export const __dirname = /* @__PURE__ */ getDirname();
`;
const esmShims: Plugin = {
  name: "sst-esm-shims",
  setup(plugin) {
    plugin.onResolve({ filter: /^sst:esm-shims$/ }, () => ({ path: "shims", namespace: "shims" }));
    plugin.onLoad({ filter: /.*/, namespace: "shims" }, () => ({ contents: ESM_SHIMS }));
  },
};

/**
 * Node as Lambda runs the functions: infra/functions.ts sets no NODE_OPTIONS and ships no source
 * maps (a bundle's map is written, as SST's builder writes it for its Console, and left unread).
 */
const NODE_FLAGS: string[] = [];

/** zod's classic API, which carries its JSON Schema code: the request schemas use zod/mini. */
const ZOD_CLASSIC = "zod (classic API)";

/** Packages worth naming when a bundle carries them (the AWS SDK clients are the floor's). */
const NOTABLE = [
  "zod",
  ZOD_CLASSIC,
  "zod-openapi",
  "openai",
  "@openrouter/sdk",
  "@runwayml/sdk",
  "@fal-ai/client",
  "@aws-sdk/client-bedrock-runtime",
  "@aws-sdk/lib-storage",
  "sharp",
];

interface Bundle {
  name: string;
  entry: string;
  /** Bytes of the files a cold start loads: the entry and the chunks it imports statically. */
  coldBytes: number;
  /** Bytes of every file in the function's package (lazily loaded chunks included). */
  packageBytes: number;
  /** AWS SDK packages the cold start imports: the handler's floor. */
  awsSdk: string[];
  /** Notable packages the cold start loads, and those only a lazy import brings. */
  loads: string[];
  onDemand: string[];
}

const packageOf = (path: string) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1];

async function bundle(name: string, entry: string, outdir: string): Promise<Bundle> {
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "es2024",
    mainFields: ["module", "main"],
    keepNames: true,
    minify: true,
    splitting: SPLITTING,
    outdir,
    entryNames: "bundle",
    outExtension: { ".js": ".mjs" },
    sourcemap: "linked",
    external: EXTERNAL,
    banner: { js: SST_BANNER },
    inject: ["sst:esm-shims"],
    plugins: [esmShims],
    metafile: true,
    logLevel: "error",
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([file]) => file.endsWith(".mjs"));
  const entryFile = outputs.find(([, output]) => output.entryPoint)![0];
  const cold = staticClosure(result.metafile, entryFile);
  // Bundled packages by the files they are in; external ones by how they are imported (an
  // `import()` of sharp or lib-storage loads it only when that code runs).
  const packagesIn = (files: Iterable<string>, { lazyToo }: { lazyToo: boolean }) => {
    const found = new Set<string>();
    for (const file of files) {
      const output = result.metafile.outputs[file]!;
      for (const input of Object.keys(output.inputs)) {
        found.add(packageOf(input) ?? "");
        if (/node_modules\/zod\/v4\/classic\//.test(input)) found.add(ZOD_CLASSIC);
      }
      for (const imported of output.imports) {
        if (imported.external && (lazyToo || imported.kind === "import-statement")) {
          found.add(imported.path);
        }
      }
    }
    return found;
  };
  const coldPackages = packagesIn(cold, { lazyToo: false });
  const allPackages = packagesIn(
    outputs.map(([file]) => file),
    { lazyToo: true },
  );
  const notable = (packages: Set<string>) => NOTABLE.filter((pkg) => packages.has(pkg));
  return {
    name,
    entry: join(ROOT, entryFile),
    coldBytes: [...cold].reduce((sum, file) => sum + result.metafile.outputs[file]!.bytes, 0),
    packageBytes: outputs.reduce((sum, [, output]) => sum + output.bytes, 0),
    awsSdk: [...coldPackages].filter((pkg) => pkg.startsWith("@aws-sdk/")).sort(),
    loads: notable(coldPackages),
    onDemand: notable(allPackages).filter((pkg) => !coldPackages.has(pkg)),
  };
}

/** The output files a cold start loads: the entry and every chunk it imports statically. */
function staticClosure(metafile: Metafile, entry: string): Set<string> {
  const seen = new Set([entry]);
  for (const file of seen) {
    for (const imported of metafile.outputs[file]!.imports) {
      if (!imported.external && imported.kind === "import-statement") seen.add(imported.path);
    }
  }
  return seen;
}

/** The handlers infra deploys, as `functions/…` paths without the export name. */
async function deployedHandlers(): Promise<string[]> {
  const handlers = new Set<string>();
  for (const file of INFRA_FILES) {
    const source = await readFile(join(ROOT, file), "utf8");
    for (const match of source.matchAll(/"(functions\/[\w/-]+)\.handler"/g))
      handlers.add(match[1]!);
  }
  return [...handlers];
}

interface ImportCost {
  /** CPU milliseconds (user + system) the import took: what a cold start pays on its own core. */
  cpu: number;
  /** Wall-clock milliseconds, which other work on a shared machine stretches. */
  wall: number;
}

/** What a fresh Node process spends importing `file` (its own start-up excluded). */
function coldImport(runner: string, file: string): ImportCost {
  const run = spawnSync(process.execPath, [...NODE_FLAGS, runner, file], {
    cwd: dirname(file),
    encoding: "utf8",
    env: { ...process.env, AWS_REGION: "us-east-1", NODE_OPTIONS: "" },
  });
  if (run.status !== 0) throw new Error(`importing ${file} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as ImportCost;
}

const kib = (bytes: number) => fixed(bytes / 1024, 0);

async function main() {
  printHeading(
    "Lean Lambdas",
    "Each function bundled as SST does (ESM, minified, split, @aws-sdk/* external): the KiB a " +
      "cold start loads, and the CPU time a fresh process spends importing it, against a trivial " +
      "handler and against a bundle of just the AWS SDK packages the handler imports (its floor).",
  );
  const work = await mkdtemp(join(tmpdir(), "takes-lean-lambdas-"));
  try {
    // Externals (the AWS SDK, sharp) resolve from the repository's node_modules, as from Lambda's.
    await symlink(join(ROOT, "node_modules"), join(work, "node_modules"), "dir");
    const runner = join(work, "import.mjs");
    await writeFile(
      runner,
      "import { pathToFileURL } from 'node:url';\n" +
        "const cpu = process.cpuUsage();\n" +
        "const start = performance.now();\n" +
        "await import(pathToFileURL(process.argv[2]).href);\n" +
        "const used = process.cpuUsage(cpu);\n" +
        "const wall = performance.now() - start;\n" +
        "process.stdout.write(JSON.stringify({ cpu: (used.user + used.system) / 1000, wall }));\n",
    );

    const handlers = await deployedHandlers();
    const functions: Bundle[] = [];
    for (const handler of handlers) {
      functions.push(await bundle(handler, `${handler}.ts`, join(work, handler)));
    }
    const trivialSource = join(work, "trivial.ts");
    await writeFile(trivialSource, "export const handler = async () => ({ statusCode: 204 });\n");
    const trivial = await bundle("trivial", trivialSource, join(work, "trivial"));
    const floors = new Map<string, Bundle>();
    for (const { awsSdk } of functions) {
      const key = awsSdk.join(" ");
      if (floors.has(key)) continue;
      const source = join(work, `floor-${floors.size}.ts`);
      await writeFile(
        source,
        awsSdk.map((pkg) => `import "${pkg}";\n`).join("") +
          "export const handler = async () => ({});\n",
      );
      floors.set(
        key,
        await bundle(`floor ${awsSdk.join(", ")}`, source, join(work, `floor-${floors.size}`)),
      );
    }

    // Each round imports every function right beside its floor (which of the two goes first
    // alternates), so the machine's drift, which moves a floor's median by ±15% between runs here,
    // touches both alike; the trivial handler once a round.
    const floorOf = (fn: Bundle) => floors.get(fn.awsSdk.join(" "))!;
    const samples = new Map<Bundle, ImportCost[]>();
    /** Per function, the floor's import in the same pair, round by round. */
    const floorBeside = new Map<Bundle, ImportCost[]>();
    const record = (map: Map<Bundle, ImportCost[]>, measured: Bundle, cost: ImportCost) =>
      map.set(measured, [...(map.get(measured) ?? []), cost]);
    for (let run = 0; run < RUNS; run++) {
      record(samples, trivial, coldImport(runner, trivial.entry));
      for (const fn of functions) {
        const floor = floorOf(fn);
        const order = run % 2 === 0 ? [floor, fn] : [fn, floor];
        const cost = new Map(
          order.map((measured) => [measured, coldImport(runner, measured.entry)]),
        );
        record(samples, fn, cost.get(fn)!);
        record(samples, floor, cost.get(floor)!);
        record(floorBeside, fn, cost.get(floor)!);
      }
    }
    const ms = (measured: Bundle, of: keyof ImportCost = "cpu") =>
      median(samples.get(measured)!.map((cost) => cost[of]));
    /** The median of a function's paired ratios to its floor, and their middle half. */
    const paired = (fn: Bundle, of: keyof ImportCost) => {
      const floorRuns = floorBeside.get(fn)!;
      const ratios = samples.get(fn)!.map((cost, run) => cost[of] / floorRuns[run]![of]);
      return {
        median: `${fixed(median(ratios), 2)}×`,
        middleHalf: `${fixed(percentile(ratios, 25), 2)}–${fixed(percentile(ratios, 75), 2)}`,
      };
    };

    const short = (pkg: string) => pkg.replace("@aws-sdk/", "").replace("client-", "");
    printTable(
      [
        "function",
        "cold KiB",
        "package KiB",
        "import CPU",
        "floor CPU",
        "/ floor",
        "p25–p75",
        "/ trivial",
        "wall / floor",
        "floor: AWS SDK",
        "also at cold start",
        "loaded on demand",
      ],
      functions.map((fn) => {
        const floor = floorOf(fn);
        const cpu = paired(fn, "cpu");
        return [
          fn.name.replace("functions/", ""),
          kib(fn.coldBytes),
          kib(fn.packageBytes),
          `${fixed(ms(fn), 0)} ms`,
          `${fixed(ms(floor), 0)} ms`,
          cpu.median,
          cpu.middleHalf,
          ratio(ms(fn), ms(trivial), 1),
          paired(fn, "wall").median,
          fn.awsSdk.map(short).join(" ") || "none",
          fn.loads.map(short).join(" ") || "-",
          fn.onDemand.map(short).join(" ") || "-",
        ];
      }),
    );
    console.log(
      `trivial handler: ${kib(trivial.coldBytes)} KiB, import CPU ${fixed(ms(trivial))} ms ` +
        `(wall ${fixed(ms(trivial, "wall"))} ms). CPU: medians of ${RUNS} rounds of fresh processes ` +
        `(a floor's over every function it is the floor of); "/ floor" and "wall / floor": ` +
        `medians of the ${RUNS} ratios of a function's import to its floor's beside it ` +
        `(p25–p75: their middle half).`,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
