/**
 * The HTTP API as an OpenAPI 3.1 document (GET /api/openapi.json), generated from the zod schemas
 * that validate its requests (core/requests.ts) and describe its replies (core/responses.ts), so
 * the two cannot drift apart. What only HTTP knows is said here: each route's parameters and body,
 * who may call it, and every status it can answer. tests/components/openapi.test.ts checks that
 * every route in infra/ is here; the integration tests check every reply against it.
 */
import * as z from "zod/mini";
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from "zod-openapi";
import { DECLARED } from "#core/providers/declarations";
import {
  FrameRequest,
  ImageRequest,
  ImproveRequest,
  ListRequest,
  RemixRequest,
  RevokeShareRequest,
  ShareRequest,
  StartHeaders,
  VideoRef,
  VideoRequest,
} from "#core/requests";
import {
  ApiError,
  CreatedShare,
  GeneratedImage,
  Health,
  ImprovedPrompt,
  ProviderCatalog,
  PublicJob,
  ShareList,
  VideoPage,
  WebhookReceipt,
} from "#core/responses";
import { SECURE_SESSION_COOKIE, SESSION_COOKIE } from "#core/session";
import packageJson from "../../../package.json" with { type: "json" };
import { multipartCreate } from "../videos/create";

/** API Gateway's own replies (no route, body too large, the handler crashed or timed out). */
const GatewayError = z
  .object({ message: z.string() })
  .check(
    z.meta({ id: "GatewayError", description: "API Gateway's own reply, not the handler's." }),
  );

const OpenApiDocument = z
  .looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })
  .check(z.meta({ description: "This document." }));

const json = (schema: z.core.$ZodType) => ({ "application/json": { schema } });

/** The error statuses the API answers. */
type ErrorStatus =
  400 | 401 | 402 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

interface Route {
  operationId: string;
  summary: string;
  tags: string[];
  /** Whether the caller must present a credential (a provider key or an access code). */
  signedIn: boolean;
  requestParams?: ZodOpenApiOperationObject["requestParams"];
  /** A JSON (or form) body the handler reads, and so may refuse (400, 413, 415). */
  body?: ZodOpenApiOperationObject["requestBody"];
  /** The body is taken as sent, whatever its type (a provider's signed webhook): no 415. */
  rawBody?: boolean;
  /** The successful replies. */
  replies: ZodOpenApiResponsesObject;
  /** The handler's own refusals, by status: what each means on this route. */
  errors: Partial<Record<ErrorStatus, string>>;
  /** Whether a provider's refusal reaches the caller with the provider's own 4xx. */
  asksProvider?: boolean;
}

const reply = (description: string, schema: z.core.$ZodType): ZodOpenApiResponseObject => ({
  description,
  content: json(schema),
});

const RETRY_AFTER = z.object({
  "retry-after": z.string().check(z.regex(/^\d+$/), z.meta({ description: "Seconds to wait." })),
});

const PROVIDER_REFUSAL =
  "The provider refused the request: its own status, with a `provider_…` code and its words.";

const REFUSED_CALLER =
  "The access code was revoked or has expired; or a change signed in with the session cookie " +
  "came from another origin (`cross_origin`).";

const SIGNED_IN_ERRORS: Partial<Record<ErrorStatus, string>> = {
  401: "No credential, or one Takes does not recognise.",
  403: REFUSED_CALLER,
  429:
    "A credential Takes has not seen before, from an address that sent too many new ones this " +
    "minute (`rate_limited`).",
};

/** Starting a job on a provider the caller may not use. */
const PROVIDER_NOT_ALLOWED =
  "A brought key names another provider (`provider_not_allowed`), or the operator has not set " +
  `the provider up (\`provider_not_configured\`). Or: ${REFUSED_CALLER}`;

/** A tool call an access code cannot pay for (core/tool-budget.ts). */
const TOOL_BUDGET_EXHAUSTED =
  "The access code's tool budget cannot cover the call (`tool_budget_exhausted`), or its video " +
  "seconds are used up (`quota_exhausted`): the tools stop with them.";

const TOO_LARGE = {
  413:
    "The body is larger than Takes reads (`payload_too_large`: 64 KiB of JSON, an 8 MiB form), " +
    "or than the gateway takes (10 MB).",
};

/** What a request that starts a job (with an optional Idempotency-Key) may answer besides. */
const START_ERRORS = {
  409:
    "A request with the same Idempotency-Key is still running past this one's time " +
    "(`idempotency_key_in_use`: send it again shortly), or the video it made was deleted " +
    "(`idempotency_key_used`).",
  422: "The Idempotency-Key was sent before with a different request (`idempotency_key_reused`).",
  504:
    "The provider did not answer within the request's time (`provider_timeout`): nothing was " +
    "recorded, and an access code's seconds were given back.",
} satisfies Partial<Record<ErrorStatus, string>>;

const BODY_ERRORS = {
  ...TOO_LARGE,
  400: "The body is not valid JSON, or a field is invalid (`message` names it).",
  415: "The body is not `application/json`.",
} satisfies Partial<Record<ErrorStatus, string>>;

/** What the gateway itself may answer on any route, beside the handler's own errors. */
const GATEWAY_ERRORS: Partial<Record<ErrorStatus, string>> = {
  500: "Something went wrong on Takes' side.",
  503: "The handler did not answer in time.",
};

/** Statuses API Gateway answers itself too, with its own body (GatewayError). */
const GATEWAY_STATUSES = new Set(["413", "500", "503"]);

function errorReply(status: string, description: string): ZodOpenApiResponseObject {
  const schema = GATEWAY_STATUSES.has(status) ? z.union([ApiError, GatewayError]) : ApiError;
  return {
    description,
    content: json(schema),
    ...(status === "429" && { headers: RETRY_AFTER }),
  };
}

function operation(route: Route): ZodOpenApiOperationObject {
  const errors = {
    ...GATEWAY_ERRORS,
    ...(route.signedIn && SIGNED_IN_ERRORS),
    ...(route.body && (route.rawBody ? TOO_LARGE : BODY_ERRORS)),
    ...Object.fromEntries(
      Object.entries(route.errors).map(([status, description]) => {
        const code = Number(status) as ErrorStatus;
        const shared =
          GATEWAY_ERRORS[code] ?? (route.signedIn ? SIGNED_IN_ERRORS[code] : undefined);
        return [status, shared ? `${description} Or: ${shared}` : description];
      }),
    ),
  };
  const responses: ZodOpenApiResponsesObject = { ...route.replies };
  for (const [status, description] of Object.entries(errors)) {
    // A status the route answers with its own body (health's 503) keeps it.
    responses[status as `${ErrorStatus}`] ??= errorReply(status, description);
  }
  if (route.asksProvider) responses["4XX"] = errorReply("4XX", PROVIDER_REFUSAL);
  return {
    operationId: route.operationId,
    summary: route.summary,
    tags: route.tags,
    security: route.signedIn ? [{ credential: [] }, { session: [] }] : [],
    requestParams: route.requestParams,
    requestBody: route.body,
    responses,
  };
}

const videoPath = { path: VideoRef };

/** Providers whose webhooks Takes verifies (each adapter that accepts one). */
const webhookProviders = DECLARED.filter((provider) => provider.acceptWebhook).map(
  (provider) => provider.name,
);

/** Every route of infra/api.ts, by its route key. */
const ROUTES: Record<string, Route> = {
  "GET /api/health": {
    operationId: "getHealth",
    summary: "Reachability of table, bucket, queues and provider",
    tags: ["operations"],
    signedIn: false,
    replies: {
      200: reply("Everything answered.", Health),
      503: reply(
        "Something did not answer (see `checks`), or the check timed out.",
        z.union([Health, GatewayError]),
      ),
    },
    errors: { 429: "Too many health checks from this address this minute (`rate_limited`)." },
  },
  "GET /api/openapi.json": {
    operationId: "getOpenApi",
    summary: "This document",
    tags: ["operations"],
    signedIn: false,
    replies: { 200: reply("The API, in OpenAPI 3.1.", OpenApiDocument) },
    errors: {},
  },
  "GET /api/providers": {
    operationId: "listProviders",
    summary: "The providers and models the caller can use, with capabilities and prices",
    tags: ["providers"],
    signedIn: true,
    replies: {
      200: reply(
        "A brought key's own provider, or every one an access code can use.",
        ProviderCatalog,
      ),
    },
    errors: {
      429: "The provider is rate limiting its account check.",
      503: "The provider is unavailable.",
      504: "The provider did not answer the account check in time (`provider_timeout`).",
    },
    asksProvider: true,
  },
  "POST /api/videos": {
    operationId: "createVideo",
    summary: "Create a video job",
    tags: ["videos"],
    signedIn: true,
    requestParams: { header: StartHeaders },
    body: {
      required: true,
      content: { ...json(VideoRequest), "multipart/form-data": multipartCreate },
    },
    replies: {
      202: reply(
        "The provider took the job (or, for a retry with the same Idempotency-Key, took it before).",
        PublicJob,
      ),
    },
    errors: {
      ...START_ERRORS,
      400: "A field or the Idempotency-Key is invalid, or the model cannot do what was asked (`message` says what it accepts).",
      402: "The access code's quota cannot cover the video (`quota_exhausted`).",
      403: PROVIDER_NOT_ALLOWED,
      404: "`referenceKey` or `lastFrameKey` names no image of the caller's.",
      413: "An image is larger than 4 MiB, or the body than the gateway takes.",
      429: "Too many videos this minute (`rate_limited`), or the provider is rate limiting.",
      503: "The provider is unavailable, or the access code is busy.",
    },
    asksProvider: true,
  },
  "GET /api/videos": {
    operationId: "listVideos",
    summary: "The caller's videos, newest first",
    tags: ["videos"],
    signedIn: true,
    requestParams: { query: ListRequest },
    replies: {
      200: reply(
        "One page. Each job carries URLs for its thumbnail and sprite sheet only; its video and frames are described without one (GET /api/videos/{id} gives them).",
        VideoPage,
      ),
    },
    errors: { 400: "`cursor`, `status` or `limit` is invalid." },
  },
  "GET /api/videos/{id}": {
    operationId: "getVideo",
    summary: "One video, with short-lived URLs for its media",
    tags: ["videos"],
    signedIn: true,
    requestParams: videoPath,
    replies: { 200: reply("The job.", PublicJob) },
    errors: { 400: "That is not a video id.", 404: "The caller has no video with that id." },
  },
  "DELETE /api/videos/{id}": {
    operationId: "deleteVideo",
    summary: "Delete a video and its media; its copy at the provider is deleted afterwards",
    tags: ["videos"],
    signedIn: true,
    requestParams: videoPath,
    replies: { 204: { description: "Deleted." } },
    errors: { 400: "That is not a video id.", 404: "The caller has no video with that id." },
  },
  "POST /api/videos/{id}/remix": {
    operationId: "remixVideo",
    summary: "A new video from a completed one, with a new prompt",
    tags: ["videos"],
    signedIn: true,
    requestParams: { path: z.pick(RemixRequest, { id: true }), header: StartHeaders },
    body: { required: true, content: json(z.omit(RemixRequest, { id: true })) },
    replies: {
      202: reply("The provider took the new job; its `parentId` is the video's.", PublicJob),
    },
    errors: {
      ...START_ERRORS,
      400: "The prompt or the Idempotency-Key is invalid, or the video's provider cannot remix it.",
      402: "The access code's quota cannot cover the video (`quota_exhausted`).",
      403: PROVIDER_NOT_ALLOWED,
      404: "The caller has no video with that id.",
      409: `The video is not completed (\`not_completed\`). Or: ${START_ERRORS[409]}`,
      429: "Too many remixes this minute (`rate_limited`), or the provider is rate limiting.",
      503: "The provider is unavailable, or the access code is busy.",
    },
    asksProvider: true,
  },
  "GET /api/videos/{id}/frames/{frame}": {
    operationId: "getFrame",
    summary: "The video's first or last frame",
    tags: ["videos"],
    signedIn: true,
    requestParams: { path: FrameRequest },
    replies: {
      302: {
        description: "To the frame's short-lived URL.",
        headers: z.object({ location: z.url() }),
      },
    },
    errors: {
      400: "That is not a video id, or the frame is not `first` or `last`.",
      404: "The caller has no video with that id.",
      409: "The frame is not extracted yet, or the video never finished (`frame_not_ready`), or its file could not be read (`frames_unavailable`).",
    },
  },
  "POST /api/videos/{id}/shares": {
    operationId: "createShare",
    summary: "A share link to a completed video",
    tags: ["shares"],
    signedIn: true,
    requestParams: { path: z.pick(ShareRequest, { id: true }) },
    body: { required: true, content: json(z.omit(ShareRequest, { id: true })) },
    replies: {
      201: reply(
        "The link; anyone with it can watch until it expires or is revoked.",
        CreatedShare,
      ),
    },
    errors: {
      400: "That is not a video id, or `expiresIn` is out of bounds (`invalid_expiry`).",
      404: "The caller has no video with that id.",
      409: "The video is not completed (`not_completed`).",
    },
  },
  "GET /api/videos/{id}/shares": {
    operationId: "listShares",
    summary: "The video's share links, newest first, with view counts",
    tags: ["shares"],
    signedIn: true,
    requestParams: videoPath,
    replies: { 200: reply("Every link, working or not.", ShareList) },
    errors: { 400: "That is not a video id.", 404: "The caller has no video with that id." },
  },
  "DELETE /api/videos/{id}/shares/{token}": {
    operationId: "revokeShare",
    summary: "Revoke a share link (it answers 410 from then on)",
    tags: ["shares"],
    signedIn: true,
    requestParams: { path: RevokeShareRequest },
    replies: { 204: { description: "Revoked (again, if it was)." } },
    errors: { 404: "The caller has no such link to that video." },
  },
  "POST /api/prompts/improve": {
    operationId: "improvePrompt",
    summary: "A production-ready video prompt from a text model",
    tags: ["tools"],
    signedIn: true,
    body: { required: true, content: json(ImproveRequest) },
    replies: { 200: reply("The rewrite, and what it changed.", ImprovedPrompt) },
    errors: {
      400: "A field is invalid, or none of the caller's models takes the settings given.",
      402: TOOL_BUDGET_EXHAUSTED,
      429: "Too many improvements this minute (`rate_limited`), or the provider is rate limiting.",
      502: "The text model answered with no prompt.",
      503: "No text model is set up (`tool_unavailable`), or it is unavailable or too slow, or the access code is busy.",
    },
    asksProvider: true,
  },
  "POST /api/images": {
    operationId: "createImage",
    summary: "A reference image of exactly a video size",
    tags: ["tools"],
    signedIn: true,
    body: { required: true, content: json(ImageRequest) },
    replies: {
      201: reply(
        "Stored in the caller's library: pass its `key` as `referenceKey`.",
        GeneratedImage,
      ),
    },
    errors: {
      400: "A field is invalid, or no model of the caller's makes that size.",
      402: TOOL_BUDGET_EXHAUSTED,
      429: "Too many images this minute (`rate_limited`), or the provider is rate limiting.",
      502: "The image model answered with no usable image.",
      503: "No image model is set up (`tool_unavailable`), or it is unavailable or too slow, or the access code is busy.",
    },
    asksProvider: true,
  },
  "POST /api/webhooks/{provider}": {
    operationId: "receiveWebhook",
    summary: "A provider's signed webhook: a finished job is polled at once",
    tags: ["webhooks"],
    signedIn: false,
    requestParams: {
      path: z.object({
        provider: z
          .enum(webhookProviders)
          .check(z.meta({ description: "The provider that sent it." })),
      }),
    },
    // Verified by the provider's own scheme on the bytes as sent, before anything parses them.
    rawBody: true,
    body: {
      required: true,
      description: "The provider's event, as it signed it.",
      content: json(z.looseObject({})),
    },
    replies: {
      202: reply("Verified and taken (an event Takes does not use included).", WebhookReceipt),
    },
    errors: {
      400: "The provider is unknown, or sends no webhooks.",
      401: "The signature is not valid (`invalid_signature`).",
      503: "The provider's signing keys could not be fetched.",
    },
  },
};

const paths: ZodOpenApiPathsObject = {};
for (const [key, route] of Object.entries(ROUTES)) {
  const [method, path] = key.split(" ") as ["GET" | "POST" | "DELETE", string];
  paths[path] = { ...paths[path], [method.toLowerCase()]: operation(route) };
}

/** The document, built once per process. */
let document: ReturnType<typeof createDocument> | undefined;

export function openApiDocument() {
  document ??= createDocument({
    openapi: "3.1.0",
    info: {
      title: "Takes",
      version: packageJson.version,
      description:
        "AI video generation on the providers you choose; every take is kept in your own S3 " +
        "bucket. Errors are `{error: {code, message}}` with a fitting status.",
    },
    paths,
    components: {
      securitySchemes: {
        credential: {
          type: "http",
          scheme: "bearer",
          description:
            "Your own provider key (`key_…` Runway, `<id>:<secret>` fal, `sk-or-v1-…` " +
            "OpenRouter, `sk-…` OpenAI-compatible, or `<provider>:<key>`), or an access code.",
        },
        session: {
          type: "apiKey",
          in: "cookie",
          name: SECURE_SESSION_COOKIE,
          description:
            `The site's session (\`${SESSION_COOKIE}\` on a plain-http local stack), until it ` +
            "expires or is signed out. A request that changes anything must carry an `Origin` " +
            "of the host it was sent to.",
        },
      },
    },
  });
  return document;
}
