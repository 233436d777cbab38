// Type-checks sst.config.ts and infra/ against the SST platform's component types, offline.
// `sst install` writes those types to .sst/platform (gitignored); without network access it only
// works with the dependency check, Bun and telemetry turned off.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const tsc = join(root, ".sst", "platform", "node_modules", "typescript", "bin", "tsc");

function run(command, args, env = {}) {
  const result = spawnSync(command, args, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, ...env },
  });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

if (!existsSync(tsc)) {
  console.log("Installing the SST platform into .sst/platform (offline, about a minute)...");
  const status = run("npx", ["sst", "install", "--stage", "dev"], {
    SST_SKIP_DEPENDENCY_CHECK: "1",
    SST_NO_BUN: "1",
    SST_TELEMETRY_DISABLED: "1",
  });
  if (status !== 0 || !existsSync(tsc)) {
    console.error("sst install failed; cannot type-check infra.");
    process.exit(status || 1);
  }
}

const status = run(process.execPath, [tsc, "-p", join("infra", "tsconfig.json")]);
if (status === 0) console.log("infra type-check passed");
process.exit(status);
