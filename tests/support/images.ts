import sharp from "sharp";
import { runFfmpeg } from "#core/media/ffmpeg";

/** A PNG of one colour at `size` ("WIDTHxHEIGHT"): a reference image whose colour is easy to find. */
export function solidPng(size: string, colour: string): Promise<Buffer> {
  const [width = 0, height = 0] = size.split("x").map(Number);
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .png()
    .toBuffer();
}

/** The same, as the data: URI providers take inline. */
export const solidPngDataUri = async (size: string, colour: string) =>
  `data:image/png;base64,${(await solidPng(size, colour)).toString("base64")}`;

/**
 * The mean colour (one mean per channel) of the top half of a video file's first frame: the
 * emulators draw the prompt lower down, so this is the reference image's colour where one was sent.
 */
export async function firstFrameTop(file: string): Promise<number[]> {
  const frame = await runFfmpeg(
    ["-i", file, "-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "pipe:1"],
    { timeoutMs: 15_000 },
  );
  const { width = 0, height = 0 } = await sharp(frame).metadata();
  const { channels } = await sharp(frame)
    .extract({ left: 0, top: 0, width, height: Math.floor(height / 2) })
    .stats();
  return channels.map((channel) => channel.mean);
}
