/**
 * What the queue runs, whatever the model: a request's input, checked the way its endpoint checks
 * it, becomes a Generation (what to make and how), or the 422 errors fal would report. The queue
 * times, fails, publishes and reports generations without knowing if they make videos or images.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { VIDEO_FILE, type Renderer } from "../shared/render";
import { endpointNamed, imageEndpointNamed } from "./endpoints";
import type { FieldError } from "./errors";
import { planImages } from "./images";
import { planGeneration, type GenerationPlan, type ImageReader } from "./inputs";

/** An output file on the CDN, as a result names it. */
export interface PublishedFile {
  url: string;
  name: string;
  contentType: string;
  size: number;
}

/** What a generation made: files to publish, and its result once they have URLs. */
export interface Produced {
  files: { path: string; name: string; contentType: string }[];
  /** The result body; `published` holds `files` in the same order. */
  result(published: PublishedFile[]): unknown;
}

export interface Generation {
  prompt: string;
  /** Seconds of video it makes, for the emulator's generation time (0 for images). */
  seconds: number;
  /** Log lines: when it starts running, and when it has made its output. */
  logs: { started: string; completed: string };
  /** Writes the outputs into `dir`; throws when the model fails. */
  run(dir: string, signal: AbortSignal): Promise<Produced>;
}

export type Planned = Generation | { errors: FieldError[] };

/** Checks an input against one endpoint and plans what to make. */
export type Planner = (input: Record<string, unknown>) => Promise<Planned>;

const FIRST_FRAME_FILE = "first-frame.png";

/** A video endpoint's generation: one clip, opening on its first frame when it has one. */
function videoGeneration(plan: GenerationPlan, renderer: Renderer): Generation {
  return {
    prompt: plan.prompt,
    seconds: plan.seconds,
    logs: {
      started:
        `Generating ${plan.seconds}s of ${plan.width}x${plan.height} video ` +
        `(${plan.aspectRatio}, ${plan.resolution}, audio ${plan.audio ? "on" : "off"}).`,
      completed: "Video generated.",
    },
    async run(dir, signal) {
      const referenceImage = plan.firstFrame ? join(dir, FIRST_FRAME_FILE) : undefined;
      if (referenceImage && plan.firstFrame) await writeFile(referenceImage, plan.firstFrame);
      const { prompt, seconds, width, height } = plan;
      await renderer.render({ dir, prompt, seconds, width, height, referenceImage }, signal);
      return {
        files: [{ path: join(dir, VIDEO_FILE), name: VIDEO_FILE, contentType: "video/mp4" }],
        result: ([video]) => ({
          video: video && {
            url: video.url,
            content_type: video.contentType,
            file_name: video.name,
            file_size: video.size,
          },
        }),
      };
    },
  };
}

/** The planner of every endpoint the emulator serves, video and image, by endpoint id. */
export function falPlanners(
  renderer: Renderer,
  readImage: ImageReader,
): (id: string) => Planner | undefined {
  return (id) => {
    const video = endpointNamed(id);
    if (video) {
      return async (input) => {
        const plan = await planGeneration(video, input, readImage);
        return "errors" in plan ? plan : videoGeneration(plan, renderer);
      };
    }
    const image = imageEndpointNamed(id);
    return image && (async (input) => planImages(image, input));
  };
}
