/**
 * Where the CLI finds Takes and the caller's credential. `takes login` keeps one credential per
 * Takes address in the user's config folder, readable by the user alone, so a key checked against
 * one address is never sent to another.
 */
import { chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { CliError, EXIT, usageError } from "./errors";

export const DEFAULT_URL = "http://127.0.0.1:3000";

interface Config {
  /** Credentials by Takes address. */
  credentials: Record<string, string>;
}

/** `$XDG_CONFIG_HOME/takes/config.json`, else `~/.config/takes/config.json`. */
export const configFile = () =>
  join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "takes", "config.json");

/** `https://takes.example.com/` → `https://takes.example.com`: one spelling per address. */
export function normalizeUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw usageError(`Not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw usageError(`Takes' URL must be http or https: ${url}`);
  }
  return `${parsed.origin}${parsed.pathname}`.replace(/\/+$/, "");
}

async function readConfig(): Promise<Config> {
  let text: string;
  try {
    text = await readFile(configFile(), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { credentials: {} };
    throw error;
  }
  try {
    const config = JSON.parse(text) as Partial<Config>;
    return { credentials: { ...config.credentials } };
  } catch {
    throw new CliError(EXIT.failure, `${configFile()} is not valid JSON: fix or delete it.`);
  }
}

/** Replaces the file whole, created 0600 in a 0700 folder: a reader never sees half a file. */
async function writeConfig(config: Config) {
  const file = configFile();
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const partial = `${file}.${process.pid}.tmp`;
  await writeFile(partial, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: "w" });
  // An umask cannot widen 0600, but a leftover file of the same name keeps its own mode.
  await chmod(partial, 0o600);
  await rename(partial, file);
}

export async function storedCredential(url: string): Promise<string | undefined> {
  return (await readConfig()).credentials[url];
}

export async function storeCredential(url: string, credential: string) {
  const config = await readConfig();
  config.credentials[url] = credential;
  await writeConfig(config);
}

/** Forgets the address's credential; false when there was none. */
export async function removeCredential(url: string): Promise<boolean> {
  const config = await readConfig();
  if (!(url in config.credentials)) return false;
  delete config.credentials[url];
  if (Object.keys(config.credentials).length === 0) await rm(configFile(), { force: true });
  else await writeConfig(config);
  return true;
}
