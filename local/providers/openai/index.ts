/**
 * The OpenAI Videos API shape (`/v1/videos`), plus the images and responses endpoints behind
 * Takes' prompt and reference-image tools. Any key starting `sk-` is accepted.
 */
import { FaultInjector } from "../shared/faults";
import { RequestRefused } from "../shared/http";
import { ownerOf, type EmulatorContext, type ProviderMount } from "../shared/mount";
import { openaiErrorShape } from "./errors";
import { imageRoutes } from "./images";
import { responseRoutes } from "./responses";
import { videoRoutes } from "./routes";
import { VideoStore } from "./videos";

export async function openaiEmulator(context: EmulatorContext): Promise<ProviderMount> {
  const faults = new FaultInjector();
  const store = new VideoStore({ ...context, faults });
  return {
    name: "openai",
    prefix: "/v1",
    errors: openaiErrorShape,
    authenticate(req) {
      const match = /^Bearer (sk-\S+)$/.exec(req.headers.authorization ?? "");
      if (!match?.[1]) throw new RequestRefused(401, "Incorrect API key provided.");
      return ownerOf(match[1]);
    },
    routes: [...videoRoutes(store), ...imageRoutes(), ...responseRoutes()],
    faults,
    expire: (id) => store.expire(id),
    async close() {
      store.close();
    },
  };
}
