import { request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import { pipeline } from "node:stream";

/**
 * Everything that is not the API goes to the site, as the one origin's router does on AWS:
 * streamed both ways, any method, headers as they are (several set-cookie headers, redirects
 * left for the browser to follow), plus the forwarded-host/proto headers the site needs to know
 * the public origin.
 */

/** Per-connection headers (RFC 9110 §7.6.1): each hop sets its own. */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

function withoutHeaders(rawHeaders: string[], drop: (name: string) => boolean): string[] {
  const kept: string[] = [];
  for (let index = 0; index < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!;
    if (!drop(name.toLowerCase())) kept.push(name, rawHeaders[index + 1]!);
  }
  return kept;
}

const isHopByHop = (name: string) => HOP_BY_HOP.has(name);
/** The proxy states these itself rather than trusting what the client claimed. */
const isHopByHopOrForwarded = (name: string) =>
  isHopByHop(name) || /^x-forwarded-(proto|host|for)$/.test(name);

export function proxyToSite(
  request: IncomingMessage,
  response: ServerResponse,
  siteUrl: URL,
  log: (line: string) => void,
) {
  const clientIp = (request.socket.remoteAddress ?? "").replace(/^::ffff:/, "");
  const upstream = httpRequest(
    {
      hostname: siteUrl.hostname,
      port: siteUrl.port,
      method: request.method,
      path: request.url,
      headers: [
        ...withoutHeaders(request.rawHeaders, isHopByHopOrForwarded),
        ...["x-forwarded-proto", "http"],
        ...["x-forwarded-host", request.headers.host ?? siteUrl.host],
        ...["x-forwarded-for", clientIp],
      ],
    },
    (siteResponse) => {
      response.writeHead(
        siteResponse.statusCode ?? 502,
        siteResponse.statusMessage,
        withoutHeaders(siteResponse.rawHeaders, isHopByHop),
      );
      pipeline(siteResponse, response, () => {});
    },
  );
  upstream.on("error", (error) => {
    if (request.socket.destroyed) return; // the browser went away; nothing to tell it
    log(`site proxy ${request.method} ${request.url}: ${error.message}`);
    if (response.headersSent) {
      response.destroy(error);
    } else {
      response.writeHead(502, { "content-type": "application/json" });
      response.end(JSON.stringify({ message: "Bad Gateway" }));
    }
  });
  pipeline(request, upstream, () => {});
}
