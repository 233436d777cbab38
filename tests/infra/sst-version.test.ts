// The infra recorder's stand-ins copy SST's defaults (local/infra/defaults.ts); an SST upgrade may
// change them without the recorded model noticing, so an upgrade fails here until they are checked.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SST_VERSION } from "#local/infra/defaults";

it("the SST defaults the recorder copies were checked against the installed SST", () => {
  const packageJson = JSON.parse(
    readFileSync(join(import.meta.dirname, "../../package.json"), "utf8"),
  ) as { dependencies: Record<string, string> };
  expect(
    packageJson.dependencies.sst,
    `package.json has sst ${packageJson.dependencies.sst} but local/infra/defaults.ts was checked ` +
      `against ${SST_VERSION}: re-check every default there against the new SST's platform ` +
      `source (platform/src/components/aws/*.ts, in .sst/platform/src after \`sst install\`), ` +
      `then set SST_VERSION.`,
  ).toBe(SST_VERSION);
});
