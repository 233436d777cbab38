/** Runway's task API (create, retrieve, cancel/delete, organisation) and its output CDN. */
import type RunwayML from "@runwayml/sdk";
import { readFields, sendFile, sendJson, type Fields, type Route } from "../shared/http";
import { sendAccessDenied } from "./outputs";
import { newImageTask, newVideoTask, type NewTask } from "./requests";
import type { TaskStore } from "./tasks";

type CreateResponse = RunwayML.TextToVideoCreateResponse &
  RunwayML.ImageToVideoCreateResponse &
  RunwayML.TextToImageCreateResponse;

const createRoute = (
  store: TaskStore,
  endpoint: string,
  check: (fields: Fields) => Promise<NewTask>,
): Route => ({
  method: "POST",
  path: new RegExp(`^/v1/${endpoint}$`),
  async handle({ req, res, owner }) {
    const request = await check(await readFields(req));
    const id = await store.create(owner, request);
    const created: CreateResponse = { id, estimatedCost: { credits: request.credits } };
    sendJson(res, 200, created);
  },
});

export function taskRoutes(store: TaskStore): (Route & { public?: boolean })[] {
  return [
    createRoute(store, "text_to_video", (fields) => newVideoTask(fields, "text_to_video")),
    createRoute(store, "image_to_video", (fields) => newVideoTask(fields, "image_to_video")),
    createRoute(store, "text_to_image", newImageTask),
    {
      method: "GET",
      path: /^\/v1\/tasks\/([^/]+)$/,
      async handle({ res, owner, params: [id = ""] }) {
        sendJson(res, 200, store.retrieve(owner, id));
      },
    },
    {
      method: "DELETE",
      path: /^\/v1\/tasks\/([^/]+)$/,
      async handle({ res, owner, params: [id = ""] }) {
        await store.delete(owner, id);
        res.writeHead(204).end();
      },
    },
    {
      method: "GET",
      path: /^\/v1\/organization$/,
      async handle({ res, owner }) {
        sendJson(res, 200, store.organization(owner));
      },
    },
    {
      // The CDN behind output URLs: no key, no faults; the signature is the only check.
      method: "GET",
      path: /^\/_outputs\/([^/]+)\/([^/]+)$/,
      public: true,
      async handle({ res, url, params: [id = "", name = ""] }) {
        const file = store.outputFile(id, name, url.searchParams);
        if (file === null) return sendAccessDenied(res);
        await sendFile(res, file.path, file.contentType);
      },
    },
  ];
}
