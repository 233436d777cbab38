import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { IMAGE_SIGNATURE_BYTES, imageTypeOf, peek } from "#core/media/image-type";

const pixel = sharp({ create: { width: 2, height: 2, channels: 3, background: "#336699" } });

describe("imageTypeOf", () => {
  it.each([
    ["png", "image/png"],
    ["jpeg", "image/jpeg"],
    ["webp", "image/webp"],
    ["gif", "image/gif"],
  ] as const)("tells %s from its first bytes", async (format, type) => {
    const bytes = await pixel.clone().toFormat(format).toBuffer();
    expect(imageTypeOf(bytes.subarray(0, IMAGE_SIGNATURE_BYTES))).toBe(type);
  });

  it.each([
    ["an SVG document", '<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'],
    ["an SVG behind an XML declaration", '<?xml version="1.0"?><svg/>'],
    ["HTML", "<!doctype html><html>"],
    ["a RIFF that is not WebP", "RIFF\u0000\u0000\u0000\u0000WAVEfmt "],
    ["nothing", ""],
  ])("refuses %s", (_, text) => {
    expect(imageTypeOf(Buffer.from(text))).toBeUndefined();
  });
});

describe("peek", () => {
  const chunked = (chunks: string[]) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(Buffer.from(chunk));
        controller.close();
      },
    });

  it("reads the head across chunks and still yields the whole content", async () => {
    const { head, body } = await peek(chunked(["ab", "cdef", "ghij", "klm"]), 5);
    expect(Buffer.from(head).toString()).toBe("abcdef");
    expect(Buffer.from(await new Response(body).arrayBuffer()).toString()).toBe("abcdefghijklm");
  });

  it("gives a short content whole as its head", async () => {
    const { head, body } = await peek(chunked(["abc"]), 12);
    expect(Buffer.from(head).toString()).toBe("abc");
    expect(Buffer.from(await new Response(body).arrayBuffer()).toString()).toBe("abc");
  });
});
