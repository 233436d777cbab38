/**
 * `sst.aws.Router` (platform/src/components/aws/router.ts): which path prefix goes to which
 * component (or outside URL) behind the one CloudFront origin.
 */
import type { RouterModel } from "./model";
import { routerRouteDefaults } from "./defaults";
import { StandIn } from "./recording";
import { durationToSeconds, optionalString, requiredString, type Args } from "./values";

export class RouterStandIn extends StandIn {
  readonly url: string;
  readonly #routes: RouterModel["routes"] = [];

  constructor(name: string, args: Args = {}) {
    super(name, "sst.aws.Router");
    this.url = this.address(`https://${name.toLowerCase()}.cloudfront.net`);
    if (args.routes !== undefined) {
      throw new Error(`${name}: inline routes have no local stand-in; use route()`);
    }
    this.recording.model.routers[name] = { routes: this.#routes };
  }

  route(pattern: unknown, url: unknown, args: Args = {}) {
    const target = requiredString(url, `${this.componentName}: route url`);
    const readTimeout =
      optionalString(args.readTimeout, `${this.componentName}: route readTimeout`) ??
      routerRouteDefaults.readTimeout;
    this.addRoute(
      requiredString(pattern, `${this.componentName}: route pattern`),
      this.recording.nameAt(target) ?? target,
      durationToSeconds(readTimeout),
    );
  }

  /** For components that put themselves behind the router, as a site's `router.instance` does. */
  addRoute(path: string, to: string, readTimeout: number) {
    this.#routes.push({ path, to, readTimeout });
  }
}
