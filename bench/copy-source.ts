/**
 * The copy benchmark's "provider": deterministic bytes made as they are read, served over HTTP on
 * loopback as a provider serves a finished video, and the same bytes for the upload-only leg.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { MiB } from "./support";

const BLOCK = MiB;

/** A pseudo-random block (xorshift32, fixed seed): the same bytes on every run. */
function seededBlock(length: number): Buffer {
  const block = Buffer.alloc(length);
  let state = 0x2545f491;
  for (let offset = 0; offset + 4 <= length; offset += 4) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    block.writeInt32LE(state | 0, offset);
  }
  return block;
}

/** `total` bytes, made as they are read: the seeded block, each copy stamped with its index. */
export function* deterministicBytes(total: number): Generator<Buffer> {
  const block = seededBlock(BLOCK);
  for (let offset = 0, index = 0; offset < total; offset += BLOCK, index++) {
    const chunk = Buffer.from(block.subarray(0, Math.min(BLOCK, total - offset)));
    if (chunk.length >= 4) chunk.writeUInt32LE(index, 0);
    yield chunk;
  }
}

/** The byte count a source URL asks for (`…/video?bytes=N`). */
export const bytesOf = (url: string) =>
  Number(new URL(url, "http://127.0.0.1").searchParams.get("bytes"));

/** GET /video?bytes=N answers N deterministic bytes with a Content-Length, as a provider would. */
export async function startSource(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const bytes = bytesOf(req.url ?? "/");
    if (!Number.isSafeInteger(bytes) || bytes <= 0) return res.writeHead(400).end();
    res.writeHead(200, { "content-type": "video/mp4", "content-length": bytes });
    Readable.from(deterministicBytes(bytes)).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
