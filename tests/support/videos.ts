import { api } from "./api";
import { waitFor } from "./wait";

export const VIDEO = {
  prompt: "Kites over a windy beach",
  model: "sora-2",
  seconds: 4,
  size: "1280x720",
};

/** A finished video of the credential's (through the API), with its thumbnail; its id. */
export async function completedVideo(
  credential: string,
  fields: Partial<typeof VIDEO> = {},
): Promise<string> {
  const { status, body } = await api("/api/videos", { credential, json: { ...VIDEO, ...fields } });
  if (status !== 202) throw new Error(`create answered ${status}: ${JSON.stringify(body)}`);
  await waitFor(
    async () => {
      const { body: job } = await api(`/api/videos/${body.id}`, { credential });
      return job.status === "completed" && job.media.thumbnail;
    },
    { timeoutMs: 90_000, what: "the video to complete" },
  );
  return body.id as string;
}
