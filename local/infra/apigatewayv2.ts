/**
 * `sst.aws.ApiGatewayV2` (platform/src/components/aws/apigatewayv2.ts): one function per route,
 * given the API's own links the way SST hands them to every route's handler.
 */
import { functionBuilder } from "./function";
import { LOCAL_REGION, StandIn } from "./recording";
import type { Args } from "./values";

export class ApiGatewayV2StandIn extends StandIn {
  readonly url: string;
  readonly #args: Args;

  constructor(name: string, args: Args = {}) {
    super(name, "sst.aws.ApiGatewayV2");
    this.url = this.address(
      `https://${name.toLowerCase()}.execute-api.${LOCAL_REGION}.amazonaws.com`,
    );
    this.#args = args;
  }

  route(rawRoute: string, handler: unknown, args: Args = {}) {
    const match = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS|ANY) (\/\S*)$/.exec(rawRoute.trim());
    if (!match) throw new Error(`${this.componentName}: cannot parse route "${rawRoute}"`);
    const [, method, path] = match as unknown as [string, string, string];
    if (args.auth !== undefined && args.auth !== false) {
      throw new Error(`${this.componentName}: route authorizers have no local stand-in`);
    }
    const { routes } = this.recording.model;
    if (routes.some((route) => route.method === method && route.path === path)) {
      throw new Error(`${this.componentName}: route "${rawRoute}" is declared twice`);
    }
    const transform = (this.#args.transform as Args | undefined)?.route as Args | undefined;
    const fn = functionBuilder(
      this.recording,
      this.#functionName(method, path),
      handler,
      { link: this.#args.link },
      transform?.handler,
    );
    routes.push({ method, path, fn });
    return this.result("route");
  }

  /** "GET /api/videos/{id}" → "ApiGetVideosId": the API's name, the method, the path's words. */
  #functionName(method: string, path: string) {
    const pascal = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
    const words = path
      .split("/")
      .filter(Boolean)
      .filter((segment, i) => !(i === 0 && segment === "api"))
      .flatMap((segment) => segment.replace(/[{}+]/g, "").split(/[^A-Za-z0-9]+/))
      .filter(Boolean)
      .map(pascal);
    return `${this.componentName}${pascal(method.toLowerCase())}${words.join("")}`;
  }
}
