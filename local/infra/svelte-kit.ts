/**
 * `sst.aws.SvelteKit` (platform/src/components/aws/svelte-kit.ts, ssr-site.ts): the site's folder,
 * what its server links, and where it sits behind a Router.
 */
import { siteDefaultPath, siteServerDefaults } from "./defaults";
import { linkedNames, StandIn } from "./recording";
import { RouterStandIn } from "./router";
import {
  durationToSeconds,
  environmentOf,
  optionalString,
  permissionsOf,
  type Args,
} from "./values";

export class SvelteKitStandIn extends StandIn {
  constructor(name: string, args: Args = {}) {
    super(name, "sst.aws.SvelteKit");
    const server = (args.server ?? {}) as Args;
    const timeout = durationToSeconds(
      optionalString(server.timeout, `${name}: server.timeout`) ?? siteServerDefaults.timeout,
    );
    this.recording.model.sites[name] = {
      path: optionalString(args.path, `${name}: path`) ?? siteDefaultPath,
      timeout,
      link: linkedNames(args.link, name),
      environment: environmentOf(args.environment, name),
      permissions: permissionsOf(args.permissions, name),
    };
    const router = args.router as Args | undefined;
    if (router !== undefined) {
      if (!(router.instance instanceof RouterStandIn)) {
        throw new Error(`${name}: router.instance must be a Router of this app`);
      }
      // SST makes CloudFront wait for the server as long as its timeout.
      router.instance.addRoute(
        optionalString(router.path, `${name}: router.path`) ?? "/",
        name,
        timeout,
      );
    }
  }
}
