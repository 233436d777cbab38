import { join } from "node:path";
import { startAwsEmulator } from "./s3-sqs";
import type { BucketNotification } from "./s3-notifications";

/**
 * The AWS emulator as its own process (the local stack starts it).
 * Env: AWS_EMULATOR_PORT (required), AWS_EMULATOR_DATA_DIR (persistence; object bodies go to
 * its `s3/` folder as files), AWS_EMULATOR_NOTIFICATIONS (JSON array of bucket notifications),
 * AWS_REGION (default us-east-1).
 */
const port = Number(process.env.AWS_EMULATOR_PORT);
if (!Number.isInteger(port)) throw new Error("AWS_EMULATOR_PORT must be a port number");
const dataDir = process.env.AWS_EMULATOR_DATA_DIR || undefined;
const notifications = JSON.parse(
  process.env.AWS_EMULATOR_NOTIFICATIONS || "[]",
) as BucketNotification[];

const emulator = await startAwsEmulator({
  port,
  region: process.env.AWS_REGION || undefined,
  dataDir,
  s3StorageDir: dataDir && join(dataDir, "s3"),
  notifications,
});
console.log(`aws emulator listening on ${emulator.url}`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await emulator.stop();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
