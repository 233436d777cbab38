/**
 * `takes`: Takes from a terminal, a script or an MCP client, through the HTTP API alone (local or
 * deployed). `npx takes --help` in a checkout; `npm run takes -- …` works too.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import packageJson from "../package.json" with { type: "json" };
import { TakesClient, type Frame, type Job } from "./client";
import {
  DEFAULT_URL,
  configFile,
  normalizeUrl,
  removeCredential,
  storeCredential,
  storedCredential,
} from "./config";
import { ApiError, CliError, EXIT, EXIT_CODES_HELP } from "./errors";
import {
  formatImproved,
  formatJob,
  formatJobList,
  formatProviders,
  formatShare,
  row,
} from "./format";
import { progressView } from "./progress";
import { readCredential } from "./secret-input";
import {
  continueVideo,
  createVideo,
  jobFailure,
  saveMedia,
  waitForJob,
  type Saved,
} from "./videos";

interface GlobalOptions {
  url: string;
  key?: string;
  json?: boolean;
}

const wholeNumber = (what: string) => (value: string) => {
  if (!/^\d{1,6}$/.test(value)) throw new InvalidArgumentError(`Give ${what} as a whole number.`);
  return Number(value);
};

const videoSize = (value: string) => {
  if (!/^\d{2,5}x\d{2,5}$/.test(value)) {
    throw new InvalidArgumentError("Give a size as WIDTHxHEIGHT, e.g. 1280x720.");
  }
  return value;
};

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };

/** "7d", "12h", "90m" or plain seconds → seconds; the API checks the bounds. */
const duration = (value: string) => {
  const match = /^(\d{1,7})([smhd]?)$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError("Give a duration such as 1h, 7d or 3600 (seconds).");
  return Number(match[1]) * UNIT_SECONDS[match[2] || "s"]!;
};

/** The command's global settings and an API client for them. */
async function setup(command: Command) {
  const options = command.optsWithGlobals<GlobalOptions>();
  const url = normalizeUrl(options.url);
  const client = new TakesClient(url, options.key ?? (await storedCredential(url)));
  return { client, url, json: Boolean(options.json) };
}

/** The result as JSON with --json, else as the person reads it. */
function print<T>(json: boolean, result: T, human: (result: T) => string) {
  process.stdout.write(`${json ? JSON.stringify(result, null, 2) : human(result)}\n`);
}

const savedLine = (saved: Saved) => row("saved", `${saved.path} (${saved.bytes} bytes)`);

interface WaitFlags {
  wait?: boolean;
  out?: string;
}

/**
 * A job just started or looked up: printed at once, or (with --wait, or --out, which implies it)
 * awaited with its progress on stderr, saved to --out when it completes, then printed. A job that
 * ends without a video is printed, then reported as an error.
 */
async function settle(
  { client, json }: { client: TakesClient; json: boolean },
  job: Job,
  flags: WaitFlags,
) {
  if (!flags.wait && flags.out === undefined) return print(json, job, formatJob);
  const view = progressView();
  let final: Job;
  try {
    final = await waitForJob(client, job.id, { onProgress: (reading) => view.update(reading) });
    view.update(final);
  } finally {
    view.stop();
  }
  const failure = jobFailure(final);
  const saved =
    failure || flags.out === undefined
      ? undefined
      : await saveMedia(client, final.id, { file: flags.out });
  const human = () => [formatJob(final), ...(saved ? [savedLine(saved)] : [])].join("\n");
  print(json, saved ? { ...final, saved } : final, human);
  if (failure) throw failure;
}

const withWaitOptions = (command: Command) =>
  command
    .option("--wait", "wait for the video to finish, showing its progress")
    .option("--out <file>", "save the finished video here (implies --wait)");

function buildProgram(): Command {
  const program = new Command("takes")
    .description("Make and manage AI videos with Takes, through its HTTP API.")
    .version(packageJson.version)
    .addOption(
      new Option("--url <url>", "where Takes answers").env("TAKES_URL").default(DEFAULT_URL),
    )
    .addOption(
      new Option(
        "--key <credential>",
        "a provider key or access code (default: the one `takes login` stored)",
      ).env("TAKES_KEY"),
    )
    .option("--json", "print machine-readable JSON (errors too, on stderr)")
    .addHelpText(
      "after",
      `\nCredentials: --key, else TAKES_KEY, else the one \`takes login\` stored for the URL in\n` +
        `${configFile()} (readable by you alone).\n${EXIT_CODES_HELP}`,
    )
    .showHelpAfterError("(takes --help lists the commands and options)")
    .exitOverride();

  program
    .command("login")
    .description("check a credential with Takes and store it for --url (hidden prompt, or stdin)")
    .action(async (_options, command: Command) => {
      const { url, json } = await setup(command);
      const credential = await readCredential(`Provider key or access code for ${url}: `);
      const { providers } = await new TakesClient(url, credential).providers();
      await storeCredential(url, credential);
      const names = providers.map((provider) => provider.name);
      print(
        json,
        { url, providers: names },
        () => `Signed in to ${url}; providers: ${names.join(", ") || "none"}.`,
      );
    });

  program
    .command("logout")
    .description("forget the credential stored for --url")
    .action(async (_options, command: Command) => {
      const { url, json } = await setup(command);
      const removed = await removeCredential(url);
      print(json, { url, removed }, () =>
        removed ? `Signed out of ${url}.` : `No credential was stored for ${url}.`,
      );
    });

  program
    .command("providers")
    .description("the providers and models you can use: lengths, sizes, images, sound, prices")
    .action(async (_options, command: Command) => {
      const { client, json } = await setup(command);
      print(json, await client.providers(), ({ providers }) => formatProviders(providers));
    });

  withWaitOptions(
    program
      .command("create")
      .description("start a video (defaults: the first model you can use, its shortest length)")
      .argument("<prompt>", "what the video shows")
      .option("--provider <name>", "the provider to run it on")
      .option("--model <id>", "a model id from `takes providers`")
      .option("--seconds <n>", "its length", wholeNumber("the seconds"))
      .option("--size <WxH>", "its size, e.g. 1280x720", videoSize)
      .option("--sound", "with sound, where the model makes it optional (the default)")
      .option("--no-sound", "silent, where the model makes sound optional")
      .option("--image <file>", "a PNG, JPEG or WebP to start from")
      .addOption(
        new Option("--reference-key <key>", "a stored image to start from").conflicts("image"),
      )
      .option("--last-frame-key <key>", "a stored image to end on, for models that take one"),
  ).action(async (prompt: string, options, command: Command) => {
    const context = await setup(command);
    const { wait, out, ...settings } = options;
    const job = await createVideo(context.client, { prompt, ...settings });
    await settle(context, job, { wait, out });
  });

  program
    .command("list")
    .description("your videos, newest first")
    .option(
      "--status <status>",
      "only those queued, in_progress, copying, completed, failed or expired",
    )
    .option("--limit <n>", "how many (1-100, default 24)", wholeNumber("the limit"))
    .option("--cursor <cursor>", "the page after the one that gave this cursor")
    .action(async (options, command: Command) => {
      const { client, json } = await setup(command);
      print(json, await client.listVideos(options), ({ jobs, nextCursor }) =>
        formatJobList(jobs, nextCursor),
      );
    });

  program
    .command("get")
    .description("one video: status, settings, cost, media")
    .argument("<id>")
    .action(async (id: string, _options, command: Command) => {
      const { client, json } = await setup(command);
      print(json, await client.getVideo(id), formatJob);
    });

  program
    .command("wait")
    .description("wait for a video to finish, showing its progress")
    .argument("<id>")
    .option("--out <file>", "save the finished video here")
    .action(async (id: string, options: WaitFlags, command: Command) => {
      const context = await setup(command);
      await settle(context, await context.client.getVideo(id), { ...options, wait: true });
    });

  program
    .command("download")
    .description("save a finished video (or one of its frames), streamed to disk")
    .argument("<id>")
    .option("--out <file>", "where to save it (default <id>.mp4, or <id>-<frame>.png)")
    .addOption(
      new Option("--frame <frame>", "a frame instead of the video").choices(["first", "last"]),
    )
    .action(async (id: string, options: { out?: string; frame?: Frame }, command: Command) => {
      const { client, json } = await setup(command);
      const saved = await saveMedia(client, id, { file: options.out, frame: options.frame });
      print(json, saved, savedLine);
    });

  withWaitOptions(
    program
      .command("remix")
      .description("a new video from a finished one, with a new prompt")
      .argument("<id>")
      .argument("<prompt>"),
  ).action(async (id: string, prompt: string, options: WaitFlags, command: Command) => {
    const context = await setup(command);
    await settle(context, await context.client.remixVideo(id, prompt), options);
  });

  withWaitOptions(
    program
      .command("continue")
      .description("a new video that starts from a finished one's last frame (its settings)")
      .argument("<id>")
      .argument("<prompt>", "what happens next")
      .option("--model <id>", "another model of the same provider")
      .option("--seconds <n>", "another length", wholeNumber("the seconds"))
      .option("--size <WxH>", "another size", videoSize),
  ).action(async (id: string, prompt: string, options, command: Command) => {
    const context = await setup(command);
    const { model, seconds, size } = options;
    const job = await continueVideo(context.client, id, { prompt, model, seconds, size });
    await settle(context, job, options);
  });

  program
    .command("improve")
    .description("a production-ready video prompt from a rough idea, by a text model")
    .argument("<prompt>")
    .option("--provider <name>", "the provider the video is for")
    .option("--model <id>", "the model the video is for")
    .option("--seconds <n>", "the video's length", wholeNumber("the seconds"))
    .option("--size <WxH>", "the video's size", videoSize)
    .action(async (prompt: string, options, command: Command) => {
      const { client, json } = await setup(command);
      print(json, await client.improvePrompt({ prompt, ...options }), formatImproved);
    });

  program
    .command("share")
    .description("a link anyone can watch the video at, until it expires")
    .argument("<id>")
    .addOption(
      new Option("--expires <duration>", "1h to 30d")
        .argParser(duration)
        .default(duration("7d"), "7d"),
    )
    .action(async (id: string, options: { expires: number }, command: Command) => {
      const { client, json } = await setup(command);
      print(json, await client.shareVideo(id, options.expires), ({ share }) => formatShare(share));
    });

  program
    .command("delete")
    .description("delete a video and its media (the provider's copy is deleted just after)")
    .argument("<id>")
    .action(async (id: string, _options, command: Command) => {
      const { client, json } = await setup(command);
      await client.deleteVideo(id);
      print(json, { id, deleted: true }, () => `Deleted ${id}.`);
    });

  program
    .command("mcp")
    .description("serve Takes' tools to an MCP client over stdio (same URL and credential)")
    .action(async (_options, command: Command) => {
      const { client } = await setup(command);
      // Loaded only here: the request schemas it derives its tool inputs from take seconds to load.
      const { serveMcp } = await import("./mcp");
      await serveMcp(client, packageJson.version);
    });

  return program;
}

/** Runs the command line and returns the exit code; errors are reported on stderr. */
async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (error) {
    // Commander has printed its own message (or the help it was asked for).
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.badInput;
    const known = error instanceof CliError;
    const message = known ? error.message : String((error as Error)?.message ?? error);
    if (program.opts<GlobalOptions>().json) {
      const status = error instanceof ApiError ? { status: error.status } : {};
      const code = known ? error.code : "internal";
      process.stderr.write(`${JSON.stringify({ error: { code, message, ...status } })}\n`);
    } else process.stderr.write(`takes: ${message}\n`);
    return known ? error.exitCode : EXIT.failure;
  }
}

process.exitCode = await run(process.argv);
