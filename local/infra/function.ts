/**
 * The Lambda functions SST builds for routes, subscribers and schedules, recorded as FunctionModels.
 * A definition is taken the way platform/src/components/aws/helpers/function-builder.ts takes it
 * (a handler or FunctionArgs) and gets function.ts's defaults. `sst.aws.Function` itself has no
 * stand-in: infra/ declares no function on its own.
 */
import { functionDefaults } from "./defaults";
import type { FunctionModel } from "./model";
import { linkedNames, type Recording } from "./recording";
import {
  applyTransform,
  durationToSeconds,
  environmentOf,
  isPlainObject,
  optionalString,
  permissionsOf,
  requiredString,
  sizeToMegabytes,
  type Args,
} from "./values";

/**
 * Records the function named `name` built from `definition`. `defaults` (a component's own links
 * and environment) merge the way SST's functionBuilder merges them: links and environment
 * concatenated, the rest overridden; then `transform` applies.
 */
export function functionBuilder(
  recording: Recording,
  name: string,
  definition: unknown,
  defaults: { link?: unknown; environment?: unknown } = {},
  transform?: unknown,
): FunctionModel {
  let args: Args;
  if (typeof definition === "string") {
    if (definition.startsWith("arn:")) {
      throw new Error(`${name}: a function referenced by ARN cannot be modelled locally`);
    }
    args = { handler: definition, ...defaults };
  } else if (isPlainObject(definition)) {
    args = {
      ...defaults,
      ...definition,
      link: [...((defaults.link as unknown[]) ?? []), ...((definition.link as unknown[]) ?? [])],
      environment: {
        ...((defaults.environment as Args) ?? {}),
        ...((definition.environment as Args) ?? {}),
      },
    };
  } else {
    throw new Error(`${name}: expected a handler or FunctionArgs`);
  }
  return recordFunction(recording, name, applyTransform(transform, name, args));
}

function recordFunction(recording: Recording, name: string, args: Args): FunctionModel {
  const { functions } = recording.model;
  if (functions[name]) throw new Error(`Two functions are named "${name}"`);
  const fn: FunctionModel = {
    name,
    handler: requiredString(args.handler, `${name}: handler`),
    timeout: durationToSeconds(
      optionalString(args.timeout, `${name}: timeout`) ?? functionDefaults.timeout,
    ),
    memory: sizeToMegabytes(
      optionalString(args.memory, `${name}: memory`) ?? functionDefaults.memory,
    ),
    link: linkedNames(args.link, name),
    environment: environmentOf(args.environment, name),
    permissions: permissionsOf(args.permissions, name),
  };
  functions[name] = fn;
  return fn;
}
