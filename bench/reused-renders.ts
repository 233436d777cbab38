import { copyFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import {
  Renderer,
  SPRITESHEET_FILE,
  THUMBNAIL_FILE,
  VIDEO_FILE,
  type RenderRequest,
} from "#local/providers/shared/render";

/**
 * Renders one clip per length at `size` with the provider emulator's own Renderer, into `dir`,
 * then makes every render of the emulator in this process (whichever provider's mount asks) a
 * copy of the clip of the same length and size: benchmarks of many jobs measure Takes, not
 * ffmpeg. A render with a reference image, or of another length or size, is rendered as usual.
 */
export async function reuseRenders(dir: string, lengths: readonly number[], size: string) {
  const renderer = new Renderer();
  const [width = 0, height = 0] = size.split("x").map(Number);
  const clips = new Map<string, string>();
  await Promise.all(
    [...new Set(lengths)].map(async (seconds) => {
      const clip = join(dir, `${seconds}s`);
      await mkdir(clip);
      await renderer.render({ dir: clip, prompt: "a lighthouse in fog", seconds, width, height });
      clips.set(`${seconds} ${width}x${height}`, clip);
    }),
  );
  await renderer.close();
  const render = Renderer.prototype.render;
  Renderer.prototype.render = async function (
    this: Renderer,
    request: RenderRequest,
    signal?: AbortSignal,
  ) {
    const clip = clips.get(`${request.seconds} ${request.width}x${request.height}`);
    if (!clip || request.referenceImage) return render.call(this, request, signal);
    const files = [VIDEO_FILE, THUMBNAIL_FILE, SPRITESHEET_FILE];
    await Promise.all(files.map((file) => copyFile(join(clip, file), join(request.dir, file))));
  };
}
