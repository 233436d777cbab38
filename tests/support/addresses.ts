import { randomInt } from "node:crypto";
import { request, type IncomingHttpHeaders } from "node:http";

/**
 * A loopback address of the test's own (all of 127.0.0.0/8 is this machine's), so that what a test
 * spends of a per-address limit is not the rest of the suite's, which calls from 127.0.0.1.
 */
export const ownLoopbackAddress = () =>
  `127.${randomInt(1, 255)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;

export interface PlainReply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request sent from `address` (fetch cannot choose its source address); not followed. */
export function requestFrom(
  address: string,
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<PlainReply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      { method: options.method ?? "GET", headers: options.headers, localAddress: address },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
        incoming.on("end", () =>
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          }),
        );
        incoming.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(options.body);
  });
}
