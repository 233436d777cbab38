/**
 * The provider emulator as a process, as the local stack starts it (local/stack.ts). Configured
 * by environment; prints its URL once listening; on SIGINT/SIGTERM stops its ffmpeg renders and
 * exits 0.
 */
import { createProviderEmulator } from "./server";

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0`);
  return value;
}

const webhookUrl = process.env.PROVIDER_EMULATOR_WEBHOOK_URL;
const webhookSecret = process.env.PROVIDER_EMULATOR_WEBHOOK_SECRET;
if (webhookUrl && !webhookSecret) {
  throw new Error("PROVIDER_EMULATOR_WEBHOOK_URL needs PROVIDER_EMULATOR_WEBHOOK_SECRET");
}

const emulator = await createProviderEmulator({
  port: numberFromEnv("PROVIDER_EMULATOR_PORT") ?? 0,
  dataDir: process.env.PROVIDER_EMULATOR_DATA_DIR || undefined,
  generationMs: numberFromEnv("PROVIDER_EMULATOR_GENERATION_MS"),
  contentLifetimeSeconds: numberFromEnv("PROVIDER_EMULATOR_CONTENT_LIFETIME_S"),
  webhook: webhookUrl && webhookSecret ? { url: webhookUrl, secret: webhookSecret } : undefined,
});
console.log(`provider emulator listening on ${emulator.url}`);

let stopping = false;
async function stop(signal: NodeJS.Signals) {
  if (stopping) return;
  stopping = true;
  console.log(`provider emulator: ${signal}, shutting down`);
  // close() kills the running ffmpeg children too.
  await emulator.close();
  process.exit(0);
}
process.on("SIGINT", (signal) => void stop(signal));
process.on("SIGTERM", (signal) => void stop(signal));
