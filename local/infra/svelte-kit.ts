/**
 * `sst.aws.SvelteKit` (platform/src/components/aws/svelte-kit.ts, ssr-site.ts): the site's folder,
 * what its server links, and where it sits behind a Router.
 */
import { siteDefaultPath } from "./defaults";
import { linkedNames, StandIn } from "./recording";
import { RouterStandIn } from "./router";
import { environmentOf, optionalString, permissionsOf, type Args } from "./values";

export class SvelteKitStandIn extends StandIn {
  constructor(name: string, args: Args = {}) {
    super(name, "sst.aws.SvelteKit");
    this.recording.model.sites[name] = {
      path: optionalString(args.path, `${name}: path`) ?? siteDefaultPath,
      link: linkedNames(args.link, name),
      environment: environmentOf(args.environment, name),
      permissions: permissionsOf(args.permissions, name),
    };
    const router = args.router as Args | undefined;
    if (router !== undefined) {
      if (!(router.instance instanceof RouterStandIn)) {
        throw new Error(`${name}: router.instance must be a Router of this app`);
      }
      router.instance.addRoute(optionalString(router.path, `${name}: router.path`) ?? "/", name);
    }
  }
}
