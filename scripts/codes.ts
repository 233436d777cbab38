/**
 * `npm run codes -- add --label X --seconds 300 [--tool-uses 100] [--expires 2026-12-31] | list |
 *  revoke <code-or-label>`
 *
 * The operator's access codes. Against the local stack by default: it reads the server secret from
 * <TAKES_DATA_DIR or .takes>/secrets.json and talks to the running stack's DynamoDB Local, which
 * `npm start` puts on port PORT + 4 (3004 by default; AWS_ENDPOINT_URL_DYNAMODB overrides it).
 * Against a deployed stage under `npx sst shell --stage <stage> -- npm run codes -- …`, which
 * hands it the stage's resources (SST_RESOURCE_*) and the AWS credentials.
 *
 * Codes are stored hashed: `add` prints the new code this once, and `list` can only show labels,
 * usage (video seconds and tool uses), expiry and status.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TOOL_USES } from "#core/access-codes";
import { TOOL_USE_COSTS } from "#core/tool-budget";
import type { LocalSecrets } from "#local/secrets";

const USAGE = `Usage:
  npm run codes -- add --label <label> --seconds <quota> [--tool-uses <budget>]
                       [--expires <2026-12-31 | ISO instant>]
  npm run codes -- list
  npm run codes -- revoke <code-or-label>

--tool-uses is the budget for the prompt and image tools (default ${DEFAULT_TOOL_USES}): improving a
prompt takes ${TOOL_USE_COSTS.text}, a reference image ${TOOL_USE_COSTS.image}.

Runs against the local stack (npm start) unless run under \`npx sst shell --stage <stage> --\`.`;

class UsageError extends Error {}

/** Where the codes live: the stage `sst shell` names, or the local stack's data folder. */
function connect(): string {
  if (process.env.SST_RESOURCE_App) {
    const app = JSON.parse(process.env.SST_RESOURCE_App) as { stage?: string };
    return `stage ${app.stage ?? "?"}`;
  }
  const dataDir = resolve(process.env.TAKES_DATA_DIR ?? join(import.meta.dirname, "..", ".takes"));
  const file = join(dataDir, "secrets.json");
  if (!existsSync(file)) {
    throw new UsageError(
      `No local stack in ${dataDir} (no secrets.json): start it with \`npm start\`, set ` +
        "TAKES_DATA_DIR, or run under `npx sst shell --stage <stage> --` for a deployed stage.",
    );
  }
  const secrets = JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
  const port = Number(process.env.PORT ?? 3000) + 4;
  process.env.AWS_ENDPOINT_URL_DYNAMODB ??= `http://127.0.0.1:${port}`;
  process.env.AWS_REGION ??= "us-east-1";
  // DynamoDB Local takes any credentials made of letters and digits.
  process.env.AWS_ACCESS_KEY_ID ??= "takeslocal";
  process.env.AWS_SECRET_ACCESS_KEY ??= "takeslocal";
  // The local stack names its tables after their components.
  process.env.SST_RESOURCES_JSON = JSON.stringify({
    App: { name: "takes", stage: "local" },
    Codes: { name: "Codes", type: "sst.aws.Dynamo" },
    // Revoking a code ends its sessions.
    Sessions: { name: "Sessions", type: "sst.aws.Dynamo" },
    ServerSecret: { value: secrets.serverSecret, type: "sst.sst.Secret" },
  });
  return `the local stack (${dataDir}, DynamoDB at ${process.env.AWS_ENDPOINT_URL_DYNAMODB})`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) => row.map((cell, column) => cell.padEnd(widths[column]!)).join("  "))
    .join("\n")
    .trimEnd();
}

async function run(argv: string[]) {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    console.log(USAGE);
    return;
  }
  if (!["add", "list", "revoke"].includes(command)) throw new UsageError(USAGE);
  const target = connect();
  // Loaded after connect(): Resource reads the environment on first use.
  const codes = await import("#core/access-codes");

  if (command === "add") {
    const { values } = parseArgs({
      args: rest,
      options: {
        label: { type: "string" },
        seconds: { type: "string" },
        "tool-uses": { type: "string" },
        expires: { type: "string" },
      },
    });
    if (!values.label || !values.seconds) throw new UsageError(USAGE);
    if (!/^\d+$/.test(values.seconds)) {
      throw new UsageError("--seconds is a whole number of seconds of video, e.g. 300.");
    }
    const toolUses = values["tool-uses"];
    if (toolUses !== undefined && !/^\d+$/.test(toolUses)) {
      throw new UsageError("--tool-uses is a whole number of uses of the prompt and image tools.");
    }
    const code = codes.generateAccessCode();
    const issued = await codes.issueAccessCode(code, {
      label: values.label,
      quotaSeconds: Number(values.seconds),
      quotaToolUses: toolUses === undefined ? undefined : Number(toolUses),
      expiresAt: values.expires ? codes.parseExpiry(values.expires) : undefined,
    });
    const expiry = issued.expiresAt
      ? `until ${codes.readableInstant(issued.expiresAt)}`
      : "no expiry";
    console.error(
      `Issued "${issued.label}" on ${target}: ${issued.quotaSeconds} s of video, ` +
        `${issued.quotaToolUses} tool uses, ${expiry}.\n` +
        "The code is shown only this once (Takes keeps only its hash):",
    );
    console.log(code);
    return;
  }

  if (command === "list") {
    parseArgs({ args: rest, options: {} });
    const all = await codes.listAccessCodes();
    console.error(`${all.length} access code${all.length === 1 ? "" : "s"} on ${target}:`);
    if (all.length === 0) return;
    const rows = all.map((code) => [
      code.label,
      codes.accessCodeStatus(code),
      `${code.usedSeconds}/${code.quotaSeconds} s`,
      `${codes.secondsLeft(code)} s`,
      `${code.usedToolUses ?? 0}/${codes.toolUseQuota(code)}`,
      `${codes.toolUsesLeft(code)}`,
      code.expiresAt ? codes.readableInstant(code.expiresAt) : "never",
      code.revokedAt ? codes.readableInstant(code.revokedAt) : "",
      codes.readableInstant(code.createdAt),
    ]);
    console.log(
      table([
        [
          "LABEL",
          "STATUS",
          "USED",
          "LEFT",
          "TOOLS USED",
          "TOOLS LEFT",
          "EXPIRES",
          "REVOKED",
          "CREATED",
        ],
        ...rows,
      ]),
    );
    return;
  }

  const { positionals } = parseArgs({ args: rest, options: {}, allowPositionals: true });
  if (positionals.length !== 1) throw new UsageError(USAGE);
  const revoked = await codes.revokeAccessCode(positionals[0]!);
  console.log(
    `Revoked "${revoked.label}" (${revoked.usedSeconds}/${revoked.quotaSeconds} s used) on ${target}.`,
  );
}

function isConnectionRefused(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, errors } = error as { code?: unknown; errors?: unknown[] };
  return code === "ECONNREFUSED" || (errors ?? []).some(isConnectionRefused);
}

try {
  await run(process.argv.slice(2));
} catch (error) {
  const { TakesError } = await import("#core/errors");
  if (error instanceof UsageError || error instanceof TakesError) {
    console.error(error.message);
  } else if (String((error as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS")) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
  } else if (isConnectionRefused(error) && !process.env.SST_RESOURCE_App) {
    console.error(
      `Could not reach DynamoDB at ${process.env.AWS_ENDPOINT_URL_DYNAMODB}: is the local stack ` +
        "running (npm start)? Set PORT or AWS_ENDPOINT_URL_DYNAMODB if it runs elsewhere.",
    );
  } else {
    console.error(error);
  }
  process.exitCode = 1;
}
