/**
 * SST argument values read the way the platform reads them: durations and sizes
 * (platform/src/components/duration.ts, size.ts), `transform` arguments (component.ts), and the
 * checks that turn a malformed argument into an error naming it.
 */

export type Args = Record<string, unknown>;

/** Seconds in an SST duration ("30 seconds", "6 minutes", "1 hour", "14 days"), as SST computes it. */
export function durationToSeconds(duration: string): number {
  const match = /^(\d+(?:\.\d+)?) (second|minute|hour|day)s?$/.exec(duration.trim());
  if (!match) throw new Error(`Not an SST duration: "${duration}"`);
  const perUnit = { second: 1, minute: 60, hour: 3600, day: 86400 } as const;
  // SST parses the count with parseInt, so "1.5 minutes" is 60 s on AWS too.
  return parseInt(match[1]!, 10) * perUnit[match[2] as keyof typeof perUnit];
}

/** Megabytes in an SST size ("1024 MB", "1.5 GB"). */
export function sizeToMegabytes(size: string): number {
  const match = /^(\d+(?:\.\d+)?) (MB|GB)$/.exec(size.trim());
  if (!match) throw new Error(`Not an SST size: "${size}"`);
  return parseFloat(match[1]!) * (match[2] === "GB" ? 1024 : 1);
}

export function isPlainObject(value: unknown): value is Args {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** SST's `transform` helper: a function edits the args in place, an object is spread over them. */
export function applyTransform(transform: unknown, name: string, args: Args): Args {
  if (typeof transform === "function") {
    (transform as (args: Args, opts: Args, name: string) => void)(args, {}, name);
    return args;
  }
  if (transform === undefined) return args;
  if (!isPlainObject(transform))
    throw new Error(`${name}: transform must be an object or function`);
  return { ...args, ...transform };
}

export function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new Error(`${what} must be a string, got ${typeof value}`);
  return value;
}

export function requiredString(value: unknown, what: string): string {
  const text = optionalString(value, what);
  if (text === undefined) throw new Error(`${what} is required`);
  return text;
}

export interface Permission {
  actions: string[];
  resources: string[];
}

export function stringList(value: unknown, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new Error(`${what} must be a list`);
  return value.map((item, i) => requiredString(item, `${what}[${i}]`));
}

/** A function's or site's `environment`: names to plain strings. */
export function environmentOf(environment: unknown, owner: string): Record<string, string> {
  if (environment === undefined) return {};
  if (!isPlainObject(environment)) throw new Error(`${owner}: environment must be an object`);
  return Object.fromEntries(
    Object.entries(environment).map(([key, value]) => [
      key,
      requiredString(value, `${owner}: environment.${key}`),
    ]),
  );
}

/** A function's or site's extra IAM `permissions`: each statement's actions and resources. */
export function permissionsOf(permissions: unknown, owner: string): Permission[] {
  if (permissions === undefined) return [];
  if (!Array.isArray(permissions)) throw new Error(`${owner}: permissions must be a list`);
  return permissions.map((statement: unknown, i) => {
    if (!isPlainObject(statement)) throw new Error(`${owner}: permissions[${i}] must be an object`);
    if (statement.effect !== undefined && statement.effect !== "allow") {
      throw new Error(`${owner}: permissions[${i}]: only "allow" statements are modelled`);
    }
    return {
      actions: stringList(statement.actions, `${owner}: permissions[${i}].actions`),
      resources: stringList(statement.resources, `${owner}: permissions[${i}].resources`),
    };
  });
}
