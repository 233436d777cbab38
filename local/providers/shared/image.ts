/**
 * What a "generated" image looks like: a real PNG of exactly the requested size, its colours
 * derived from the prompt (so the same prompt gives the same image) and the prompt written on it.
 * Every provider's image endpoint draws with it.
 */
import { createHash } from "node:crypto";
import sharp from "sharp";
import { FONT_FILE, wrapPrompt } from "./prompt";

const escapeXml = (text: string) =>
  text.replace(
    /[<>&'"]/g,
    (char) =>
      ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", "'": "&apos;", '"': "&quot;" })[char] ?? "",
  );

/** Hue, 0-359, from two bytes of the hash. */
const hue = (hash: Buffer, offset: number) => hash.readUInt16BE(offset) % 360;

/**
 * One PNG: a gradient and a few soft shapes in prompt-derived colours, and the prompt on a dark
 * band. The text is set by sharp from the packaged font, never from whatever fonts the machine has.
 * `variant` tells apart several images of one prompt.
 */
export async function renderImage(prompt: string, width: number, height: number, variant = 0) {
  const hash = createHash("sha256").update(`${variant}:${prompt}`).digest();
  const [from, to, accent] = [hue(hash, 0), hue(hash, 2), hue(hash, 4)];
  const fontSize = Math.max(14, Math.round(Math.min(width, height) / 18));
  const margin = fontSize;

  const text = await sharp({
    text: {
      // Pango markup, hence the escaping.
      text: `<span foreground="white">${escapeXml(
        wrapPrompt(prompt, Math.floor(width / (fontSize * 0.6)) - 2),
      )}</span>`,
      font: `DejaVu Sans ${fontSize}`,
      fontfile: FONT_FILE,
      dpi: 72,
      width: width - 2 * margin,
      align: "centre",
      rgba: true,
    },
  })
    .png()
    .toBuffer({ resolveWithObject: true });
  const bandHeight = Math.min(height, text.info.height + margin);

  const circles = [0, 1, 2]
    .map((i) => {
      const cx = (hash[8 + i] ?? 0) / 255;
      const cy = (hash[12 + i] ?? 0) / 255;
      const r = (0.1 + ((hash[16 + i] ?? 0) / 255) * 0.25) * Math.min(width, height);
      return (
        `<circle cx="${Math.round(cx * width)}" cy="${Math.round(cy * height * 0.7)}" ` +
        `r="${Math.round(r)}" fill="hsl(${(accent + i * 40) % 360},70%,60%)" fill-opacity="0.45"/>`
      );
    })
    .join("");
  const background =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
    `<stop offset="0" stop-color="hsl(${from},60%,35%)"/>` +
    `<stop offset="1" stop-color="hsl(${to},60%,20%)"/></linearGradient></defs>` +
    `<rect width="100%" height="100%" fill="url(#g)"/>${circles}` +
    `<rect y="${height - bandHeight}" width="100%" height="${bandHeight}" fill="black" ` +
    `fill-opacity="0.45"/></svg>`;

  return sharp(Buffer.from(background))
    .composite([
      {
        input: text.data,
        top: Math.max(0, height - bandHeight + Math.round(margin / 2)),
        left: Math.max(0, Math.round((width - text.info.width) / 2)),
      },
    ])
    .png()
    .toBuffer();
}
