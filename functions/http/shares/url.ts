import type { ShareLink } from "#core/responses";
import { shareUrl, type PublicShare } from "#core/shares";
import { requestOrigin } from "../headers";
import type { HttpEvent } from "../respond";

/**
 * A share with its public URL, on the origin the request was sent to. Behind the Router that is
 * the site's own origin (CloudFront passes the viewer's host as `x-forwarded-host`), so the link
 * works wherever the owner reached Takes — a custom domain included — with no origin to configure;
 * `Resource.Api.url` would name API Gateway's own domain, which serves no `/s/` pages. The headers
 * only shape the link handed back to the caller who sent them. Without a plausible host the URL is
 * relative.
 */
export function withUrl(event: HttpEvent, share: PublicShare): ShareLink {
  const origin = requestOrigin({
    host: event.headers.host,
    forwardedHost: event.headers["x-forwarded-host"],
    forwardedProto: event.headers["x-forwarded-proto"],
  });
  return { ...share, url: origin ? shareUrl(origin, share.token) : `/s/${share.token}` };
}
