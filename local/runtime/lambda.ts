import { randomUUID } from "node:crypto";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "aws-lambda";
import type { FunctionModel } from "../infra/model";

/**
 * Invokes a handler the way Lambda's nodejs24.x runtime does, in this process: the handler string
 * names a module and an export, the event and the response cross a JSON boundary, the function's
 * timeout applies, and a failure comes back as a function error instead of an exception.
 */

export const LOCAL_ACCOUNT_ID = "000000000000";

/** Lambda's synchronous invocation limit, for the request and for the response. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

const repoRoot = resolve(import.meta.dirname, "../..");

export type InvocationResult =
  | { kind: "response"; payload: unknown }
  /** The handler threw, timed out, could not be loaded, or answered something Lambda refuses. */
  | { kind: "functionError" }
  /** The event is larger than Lambda accepts; the handler never ran. */
  | { kind: "requestTooLarge" };

export interface InvokeOptions {
  region: string;
  log: (line: string) => void;
}

type Handler = (event: unknown, context: Context) => unknown;

async function loadHandler(handler: string): Promise<Handler> {
  const dot = handler.lastIndexOf(".");
  const modulePath = handler.slice(0, dot);
  const exportName = handler.slice(dot + 1);
  const module = (await import(pathToFileURL(join(repoRoot, `${modulePath}.ts`)).href)) as Record<
    string,
    unknown
  >;
  const exported = module[exportName];
  if (typeof exported !== "function") {
    throw Object.assign(new Error(`${modulePath}.${exportName} is undefined or not exported`), {
      name: "Runtime.HandlerNotFound",
    });
  }
  return exported as Handler;
}

function lambdaContext(
  fn: FunctionModel,
  requestId: string,
  deadline: number,
  region: string,
): Context {
  const callbacksAreGone = () => {
    throw new Error("nodejs24.x handlers return a promise; done/fail/succeed are not available");
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: fn.name,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${fn.name}`,
    memoryLimitInMB: String(fn.memory),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${fn.name}`,
    logStreamName: `local/[$LATEST]${requestId.replaceAll("-", "")}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: callbacksAreGone,
    fail: callbacksAreGone,
    succeed: callbacksAreGone,
  };
}

class TimedOut extends Error {}

export async function invoke(
  fn: FunctionModel,
  event: unknown,
  options: InvokeOptions,
): Promise<InvocationResult> {
  const requestId = randomUUID();
  const serializedEvent = JSON.stringify(event);
  if (Buffer.byteLength(serializedEvent) > MAX_PAYLOAD_BYTES) {
    options.log(`${fn.name} ${requestId} request payload exceeds Lambda's 6 MB limit`);
    return { kind: "requestTooLarge" };
  }
  const deadline = Date.now() + fn.timeout * 1000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimedOut()), fn.timeout * 1000);
  });
  try {
    // A timed-out handler keeps running here (Lambda would freeze and discard its sandbox); its
    // result is ignored, as Lambda ignores it.
    const response = await Promise.race([
      loadHandler(fn.handler).then((handler) =>
        handler(
          JSON.parse(serializedEvent),
          lambdaContext(fn, requestId, deadline, options.region),
        ),
      ),
      timeout,
    ]);
    return responseOf(fn, requestId, response, options);
  } catch (error) {
    if (error instanceof TimedOut) {
      options.log(`${fn.name} ${requestId} Task timed out after ${fn.timeout.toFixed(2)} seconds`);
    } else {
      const failure = error instanceof Error ? error : new Error(String(error));
      options.log(`${fn.name} ${requestId} ERROR Invoke Error ${failure.stack ?? failure.message}`);
    }
    return { kind: "functionError" };
  } finally {
    clearTimeout(timer);
  }
}

function responseOf(
  fn: FunctionModel,
  requestId: string,
  response: unknown,
  options: InvokeOptions,
): InvocationResult {
  // An async handler that resolves with nothing answers `null`, as Lambda does.
  const serialized = JSON.stringify(response) ?? "null";
  if (Buffer.byteLength(serialized) > MAX_PAYLOAD_BYTES) {
    options.log(
      `${fn.name} ${requestId} Response payload size exceeded maximum allowed payload size (${MAX_PAYLOAD_BYTES} bytes).`,
    );
    return { kind: "functionError" };
  }
  return { kind: "response", payload: JSON.parse(serialized) };
}
