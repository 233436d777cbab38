/**
 * `sst.aws.Router` (platform/src/components/aws/router.ts): which path prefix goes to which
 * component (or outside URL) behind the one CloudFront origin.
 */
import type { RouterModel } from "./model";
import { StandIn } from "./recording";
import { requiredString, type Args } from "./values";

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

  route(pattern: unknown, url: unknown) {
    const target = requiredString(url, `${this.componentName}: route url`);
    this.addRoute(
      requiredString(pattern, `${this.componentName}: route pattern`),
      this.recording.nameAt(target) ?? target,
    );
  }

  /** For components that put themselves behind the router, as a site's `router.instance` does. */
  addRoute(path: string, to: string) {
    this.#routes.push({ path, to });
  }
}
