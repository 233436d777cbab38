import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The local stack's stand-ins for the deployed stage's SST secrets, made once per data folder. */
export interface LocalSecrets {
  serverSecret: string;
  webhookSecret: string;
  /** The operator's provider key that access-code holders use; the emulator accepts any `sk-` key. */
  providerKey: string;
  demoAccessCode: string;
}

export function loadLocalSecrets(dataDir: string): LocalSecrets {
  const file = join(dataDir, "secrets.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as LocalSecrets;
  const secrets: LocalSecrets = {
    serverSecret: randomBytes(32).toString("base64url"),
    webhookSecret: `whsec_${randomBytes(24).toString("base64")}`,
    providerKey: `sk-local-${randomBytes(16).toString("hex")}`,
    demoAccessCode: `demo-${randomBytes(6).toString("hex")}`,
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
