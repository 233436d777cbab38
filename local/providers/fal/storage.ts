/**
 * The emulator's fal CDN: files uploaded through fal storage (the client's `storage.upload`, used
 * automatically for Blob/File inputs) and the videos requests produce, each at a public URL
 * `${baseUrl}/fal/cdn/{id}/{name}` until its lifetime (the object lifecycle preference) runs out.
 *
 * fal's upload is two steps: `POST rest.fal.ai/storage/upload/initiate` (authenticated) answers
 * `{upload_url, file_url}`, then the client PUTs the bytes to `upload_url` with plain fetch (no
 * middleware, no key), so `upload_url` points straight at the emulator.
 */
import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import { mkdir, readFile, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { RequestRefused } from "../shared/http";
import { detailError, modelError } from "./errors";
import type { ImageReader } from "./inputs";

/** Reference images are small; fal switches to multipart uploads above 90 MB anyway. */
const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
export const CDN_PATH = "/fal/cdn";
const UPLOAD_PATH = "/fal/upload";

export interface CdnFile {
  id: string;
  name: string;
  path: string;
  contentType: string;
  size: number;
  /** False until an upload's bytes have arrived. */
  ready: boolean;
  /** How long it lives once ready; null is for ever (fal's default without a preference). */
  lifetimeSeconds: number | null;
  expiresMs: number | null;
}

const newFileId = () => randomBytes(16).toString("hex");

/** A file name safe to put in a URL path segment and a Content-Disposition. */
const safeName = (name: string) =>
  name
    .replace(/^.*[\\/]/, "")
    .replace(/[^\w.-]/g, "_")
    .slice(0, 100) || "file";

function decodeDataUri(url: string): Buffer | undefined {
  const match = /^data:[^,]*?(;base64)?,(.*)$/s.exec(url);
  if (!match) return undefined;
  const [, base64, data = ""] = match;
  return base64 ? Buffer.from(data, "base64") : Buffer.from(decodeURIComponent(data));
}

export class FileStore {
  private readonly files = new Map<string, CdnFile>();

  constructor(
    private readonly dir: string,
    private readonly baseUrl: () => string,
  ) {}

  url(file: CdnFile): string {
    return `${this.baseUrl()}${CDN_PATH}/${file.id}/${file.name}`;
  }

  /** Publishes a file already on disk (a rendered video), from now for `lifetimeSeconds`. */
  publish(path: string, name: string, contentType: string, size: number, lifetime: number | null) {
    const file: CdnFile = {
      id: newFileId(),
      name: safeName(name),
      path,
      contentType,
      size,
      ready: true,
      lifetimeSeconds: lifetime,
      expiresMs: lifetime === null ? null : Date.now() + lifetime * 1000,
    };
    this.files.set(file.id, file);
    return file;
  }

  /** Step one of an upload: a slot and the two URLs fal hands back. */
  async initiate(name: string, contentType: string, lifetime: number | null) {
    const id = newFileId();
    await mkdir(join(this.dir, "uploads"), { recursive: true });
    const file: CdnFile = {
      id,
      name: safeName(name),
      path: join(this.dir, "uploads", id),
      contentType,
      size: 0,
      ready: false,
      lifetimeSeconds: lifetime,
      expiresMs: null,
    };
    this.files.set(id, file);
    return { upload_url: `${this.baseUrl()}${UPLOAD_PATH}/${id}`, file_url: this.url(file) };
  }

  /** Step two: the PUT of the bytes, streamed to disk with a size cap. */
  async receive(id: string, req: IncomingMessage) {
    const file = this.files.get(id);
    if (!file || this.lapsed(file)) throw detailError(404, "Upload not found or expired.");
    let size = 0;
    const capped = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        size += chunk.length;
        if (size > MAX_UPLOAD_BYTES) {
          done(new RequestRefused(413, `Upload larger than ${MAX_UPLOAD_BYTES} bytes.`));
        } else done(null, chunk);
      },
    });
    try {
      await pipeline(req, capped, createWriteStream(file.path));
    } catch (error) {
      await rm(file.path, { force: true });
      throw error;
    }
    file.size = size;
    file.ready = true;
    const contentType = req.headers["content-type"];
    if (contentType) file.contentType = contentType;
    file.expiresMs =
      file.lifetimeSeconds === null ? null : Date.now() + file.lifetimeSeconds * 1000;
  }

  /** A servable file: uploaded, not lapsed, and asked for by its own name. */
  live(id: string, name: string): CdnFile | undefined {
    const file = this.files.get(id);
    if (!file || !file.ready || this.lapsed(file) || file.name !== name) return undefined;
    return file;
  }

  /** Makes files lapse now, as if their lifetime had run out. */
  expire(ids: Iterable<string>) {
    for (const id of ids) {
      const file = this.files.get(id);
      if (file) file.expiresMs = Date.now() - 1;
    }
  }

  has(id: string) {
    return this.files.has(id);
  }

  /**
   * Image inputs as the models read them: a data: URI, or a file on this CDN. Anything else is
   * refused: the emulator never fetches remote URLs.
   */
  readImage: ImageReader = async (url, loc) => {
    const inline = decodeDataUri(url);
    if (inline) return inline;
    const prefix = `${this.baseUrl()}${CDN_PATH}/`;
    const own = url.startsWith(prefix)
      ? /^([0-9a-f]+)\/([^/?#]+)$/.exec(url.slice(prefix.length))
      : null;
    if (!own) {
      return modelError(
        "file_download_error",
        "The provider emulator never fetches remote URLs: pass a data: URI, or upload the " +
          "file with fal storage (fal.storage.upload, or a Blob/File input).",
        loc,
        url,
      );
    }
    const file = this.live(own[1] ?? "", decodeURIComponent(own[2] ?? ""));
    if (!file) {
      return modelError(
        "file_download_error",
        "Failed to download the file. Please check if the URL is accessible and try again.",
        loc,
        url,
      );
    }
    return readFile(file.path);
  };

  private lapsed(file: CdnFile) {
    return file.expiresMs !== null && file.expiresMs <= Date.now();
  }
}
