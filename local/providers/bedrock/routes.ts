/**
 * Bedrock Runtime's async-invoke API (REST-JSON), below the mount's prefix:
 *
 * - `POST /async-invoke` — StartAsyncInvoke → `{invocationArn}`;
 * - `GET /async-invoke/{invocationArn}` — GetAsyncInvoke; the SDK URL-encodes the whole ARN into
 *   one path segment (`arn%3Aaws%3Abedrock%3A...%3Aasync-invoke%2F<id>`);
 * - `GET /async-invoke?statusEquals&submitTimeAfter&submitTimeBefore&sortBy&sortOrder&maxResults
 *   &nextToken` — ListAsyncInvokes.
 *
 * Bedrock has no cancel and no delete for an invocation.
 */
import type {
  ListAsyncInvokesResponse,
  StartAsyncInvokeResponse,
} from "@aws-sdk/client-bedrock-runtime";
import { readFields, sendJson, type Route } from "../shared/http";
import { callerOf } from "./auth";
import { requestIdHeader } from "./errors";
import type { InvocationStore, InvocationView, OnTheWire } from "./invocations";
import { listQueryOf, startRequestOf } from "./requests";

type ListView = OnTheWire<Omit<ListAsyncInvokesResponse, "$metadata" | "asyncInvokeSummaries">> & {
  asyncInvokeSummaries: InvocationView[];
};

export function bedrockRoutes(store: InvocationStore): Route[] {
  return [
    {
      method: "POST",
      path: /^\/async-invoke$/,
      async handle({ req, res }) {
        const caller = callerOf(req);
        const request = startRequestOf(await readFields(req), caller.region);
        const started: OnTheWire<Omit<StartAsyncInvokeResponse, "$metadata">> = {
          invocationArn: await store.start(caller, request),
        };
        sendJson(res, 200, started, requestIdHeader());
      },
    },
    {
      method: "GET",
      path: /^\/async-invoke\/([^/]+)$/,
      async handle({ req, res, params: [arn = ""] }) {
        sendJson(res, 200, store.get(callerOf(req), arn), requestIdHeader());
      },
    },
    {
      method: "GET",
      path: /^\/async-invoke$/,
      async handle({ req, res, url }) {
        const page: ListView = store.list(callerOf(req), listQueryOf(url.searchParams));
        sendJson(res, 200, page, requestIdHeader());
      },
    },
  ];
}
