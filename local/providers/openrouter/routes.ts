/**
 * OpenRouter's video API under `/api/v1`: submit, poll, download, and the public model listing.
 * There is no cancel or delete endpoint at OpenRouter, so there is none here.
 */
import { readFields, sendFile, sendJson, type Route } from "../shared/http";
import type { VideoJobs } from "./jobs";
import { videoModelListings } from "./models";
import { checkRequestSize, newVideoJob } from "./requests";

export function videoRoutes(jobs: VideoJobs): (Route & { public?: boolean })[] {
  return [
    {
      // Public on OpenRouter: no key, and (like every public route here) no injected faults.
      method: "GET",
      path: /^\/api\/v1\/videos\/models$/,
      public: true,
      async handle({ res }) {
        sendJson(res, 200, videoModelListings());
      },
    },
    {
      method: "POST",
      path: /^\/api\/v1\/videos$/,
      async handle({ req, res, owner }) {
        checkRequestSize(req);
        const request = await newVideoJob(await readFields(req));
        sendJson(res, 202, await jobs.create(owner, request));
      },
    },
    {
      method: "GET",
      path: /^\/api\/v1\/videos\/([^/]+)$/,
      async handle({ res, owner, params: [id = ""] }) {
        sendJson(res, 200, jobs.retrieve(owner, id));
      },
    },
    {
      method: "GET",
      path: /^\/api\/v1\/videos\/([^/]+)\/content$/,
      async handle({ res, url, owner, params: [id = ""] }) {
        await sendFile(res, jobs.content(owner, id, url.searchParams.get("index")), "video/mp4");
      },
    },
  ];
}
