import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { NOT_CONFIGURED } from "#core/secrets";

/** The local stack's stand-ins for the deployed stage's SST secrets, made once per data folder. */
export interface LocalSecrets {
  serverSecret: string;
  webhookSecret: string;
  /** The operator's keys that access-code holders use, each in its provider's format. */
  providerKey: string;
  runwayKey: string;
  falKey: string;
  openRouterKey: string;
  demoAccessCode: string;
}

const newSecrets = (): LocalSecrets => ({
  serverSecret: randomBytes(32).toString("base64url"),
  webhookSecret: `whsec_${randomBytes(24).toString("base64")}`,
  // The emulators accept any key of their provider's format.
  providerKey: `sk-local-${randomBytes(16).toString("hex")}`,
  runwayKey: `key_local${randomBytes(16).toString("hex")}`,
  falKey: `${randomUUID()}:${randomBytes(16).toString("hex")}`,
  openRouterKey: `sk-or-v1-${randomBytes(32).toString("hex")}`,
  demoAccessCode: `demo-${randomBytes(6).toString("hex")}`,
});

/** The folder's secrets; ones a newer Takes added are made and kept, the rest never change. */
export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, "secrets.json");
  const stored = existsSync(file)
    ? (JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>)
    : {};
  const secrets = { ...newSecrets(), ...stored };
  if (Object.keys(stored).length !== Object.keys(secrets).length) {
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}

/** Luma Ray2's only Bedrock region: the emulator refuses any other, as Bedrock does. */
const LOCAL_BEDROCK_REGION = "us-west-2";

/**
 * Where each provider's jobs go on the local stack: its emulator, or the live service when its
 * real key is in the environment, under the name its own SDK reads (RUNWAYML_API_SECRET, FAL_KEY,
 * OPENROUTER_API_KEY, OPENAI_API_KEY with OPENAI_BASE_URL for an OpenAI-compatible gateway). A
 * live key is the operator's key for access codes, and brought keys of that provider go live too.
 * Bedrock is always the emulator: the local stack's AWS credentials reach only local services.
 */
export function providerRouting(
  secrets: LocalSecrets,
  emulatorUrl: string,
  environment: NodeJS.ProcessEnv = process.env,
) {
  const {
    RUNWAYML_API_SECRET: runway,
    FAL_KEY: fal,
    OPENROUTER_API_KEY: openrouter,
    OPENAI_API_KEY: openai,
  } = environment;
  return {
    /** The SST secrets holding the operator's keys and the OpenAI-compatible base URL. */
    secrets: {
      ProviderKey: openai || secrets.providerKey,
      ProviderBaseUrl: openai
        ? environment.OPENAI_BASE_URL || "https://api.openai.com/v1"
        : `${emulatorUrl}/v1`,
      RunwayKey: runway || secrets.runwayKey,
      FalKey: fal || secrets.falKey,
      OpenRouterKey: openrouter || secrets.openRouterKey,
      // The emulator signs its callbacks with the webhook secret the stack gives it; live
      // OpenRouter's reach a local Takes only with a tunnel, and its workspace's secret.
      OpenRouterWebhookSecret: openrouter
        ? environment.OPENROUTER_WEBHOOK_SECRET || NOT_CONFIGURED
        : secrets.webhookSecret,
      BedrockRegion: LOCAL_BEDROCK_REGION,
    },
    /** The base URLs that move an SDK onto its emulator, for the providers that are not live. */
    environment: {
      ...(!runway && { RUNWAYML_BASE_URL: `${emulatorUrl}/runway` }),
      ...(!fal && { TAKES_FAL_URL: `${emulatorUrl}/fal` }),
      ...(!openrouter && { OPENROUTER_BASE_URL: `${emulatorUrl}/openrouter/api/v1` }),
      AWS_ENDPOINT_URL_BEDROCK_RUNTIME: `${emulatorUrl}/bedrock`,
    },
    /** The providers that go to the live service. */
    live: [openai && "openai", runway && "runway", fal && "fal", openrouter && "openrouter"].filter(
      Boolean,
    ) as string[],
  };
}
