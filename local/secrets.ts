import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The local stack's stand-ins for the deployed stage's SST secrets, made once per data folder. */
export interface LocalSecrets {
  serverSecret: string;
  webhookSecret: string;
  /** The operator's keys that access-code holders use, each in its provider's format. */
  providerKey: string;
  runwayKey: string;
  falKey: string;
  demoAccessCode: string;
}

const newSecrets = (): LocalSecrets => ({
  serverSecret: randomBytes(32).toString("base64url"),
  webhookSecret: `whsec_${randomBytes(24).toString("base64")}`,
  // The emulators accept any key of their provider's format.
  providerKey: `sk-local-${randomBytes(16).toString("hex")}`,
  runwayKey: `key_local${randomBytes(16).toString("hex")}`,
  falKey: `${randomUUID()}:${randomBytes(16).toString("hex")}`,
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

/**
 * Where each provider's jobs go on the local stack: its emulator, or the live service when its
 * real key is in the environment, under the name its own SDK reads (RUNWAYML_API_SECRET, FAL_KEY,
 * OPENAI_API_KEY with OPENAI_BASE_URL for an OpenAI-compatible gateway). A live key is the
 * operator's key for access codes, and brought keys of that provider go live too.
 */
export function providerRouting(
  secrets: LocalSecrets,
  emulatorUrl: string,
  environment: NodeJS.ProcessEnv = process.env,
) {
  const { RUNWAYML_API_SECRET: runway, FAL_KEY: fal, OPENAI_API_KEY: openai } = environment;
  return {
    /** The SST secrets holding the operator's keys and the OpenAI-compatible base URL. */
    secrets: {
      ProviderKey: openai || secrets.providerKey,
      ProviderBaseUrl: openai
        ? environment.OPENAI_BASE_URL || "https://api.openai.com/v1"
        : `${emulatorUrl}/v1`,
      RunwayKey: runway || secrets.runwayKey,
      FalKey: fal || secrets.falKey,
    },
    /** The base URLs that move an SDK onto its emulator, for the providers that are not live. */
    environment: {
      ...(!runway && { RUNWAYML_BASE_URL: `${emulatorUrl}/runway` }),
      ...(!fal && { TAKES_FAL_URL: `${emulatorUrl}/fal` }),
    },
    /** The providers that go to the live service. */
    live: [openai && "openai", runway && "runway", fal && "fal"].filter(Boolean) as string[],
  };
}
