import { redirect } from "@sveltejs/kit";
import { videoDownloadUrl } from "$core/videos";
import { orErrorPage } from "$lib/server/errors";
import { callerOf } from "$lib/server/studio";
import type { RequestHandler } from "./$types";

/** The finished video as a file download: a redirect to a short-lived S3 URL that says so. */
export const GET: RequestHandler = async ({ locals, params }) => {
  redirect(302, await orErrorPage(videoDownloadUrl(callerOf(locals), { id: params.id })));
};
