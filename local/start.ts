import { startStack } from "./stack";

// `npm start`: the whole studio on this machine, until Ctrl-C.
const port = Number(process.env.PORT ?? 3000);
const startedAt = performance.now();

let stopping: Promise<void> | undefined;
try {
  const stack = await startStack({
    port,
    dataDir: process.env.TAKES_DATA_DIR,
    echo: process.env.TAKES_QUIET !== "1",
  });
  const shutdown = (signal: string) => {
    stopping ??= (async () => {
      console.log(`\n${signal}: stopping Takes…`);
      await stack.stop();
      console.log("stopped.");
      process.exit(0);
    })();
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  const seconds = ((performance.now() - startedAt) / 1000).toFixed(1);
  console.log(
    [
      "",
      `Takes is ready in ${seconds} s`,
      `  open       ${stack.url}`,
      `  access code ${stack.demoAccessCode}  (or sign in with any sk-… key)`,
      `  data       ${stack.dataDir}`,
      `  logs       ${stack.logDir}`,
      "Ctrl-C stops everything.",
      "",
    ].join("\n"),
  );
} catch (error) {
  console.error(`Takes could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
