import type { StackModel } from "../infra/model";

/**
 * HTTP API route selection. API Gateway picks the most specific match: a full match beats a
 * greedy `{proxy+}` match, which beats the `$default` route; among paths, a literal segment
 * beats a `{param}` at the first position where they differ; then an exact method beats ANY.
 */

export type Route = StackModel["routes"][number];

export interface RouteMatch {
  route: Route;
  /** "GET /api/videos/{id}", or "$default". */
  routeKey: string;
  pathParameters?: Record<string, string>;
}

type Segment =
  | { kind: "literal"; value: string }
  | { kind: "param"; name: string }
  | { kind: "greedy"; name: string };

const SPECIFICITY = { literal: 2, param: 1, greedy: 0 } as const;

interface CompiledRoute {
  route: Route;
  segments: Segment[];
}

function compile(route: Route): CompiledRoute {
  const segments = route.path
    .split("/")
    .slice(1)
    .map((part, index, parts): Segment => {
      const variable = /^\{([^}]+?)(\+?)\}$/.exec(part);
      if (!variable) return { kind: "literal", value: part };
      const [, name = "", greedy] = variable;
      if (greedy && index !== parts.length - 1) {
        throw new Error(`Route ${route.method} ${route.path}: {${name}+} must be the last segment`);
      }
      return greedy ? { kind: "greedy", name } : { kind: "param", name };
    });
  return { route, segments };
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function matchPath(segments: Segment[], parts: string[]): Record<string, string> | undefined {
  const parameters: Record<string, string> = {};
  for (const [index, segment] of segments.entries()) {
    const part = parts[index];
    if (segment.kind === "greedy") {
      const rest = parts.slice(index);
      if (rest.length === 0 || rest.join("") === "") return undefined;
      parameters[segment.name] = decode(rest.join("/"));
      return parameters;
    }
    if (part === undefined) return undefined;
    if (segment.kind === "literal" && decode(part) !== segment.value) return undefined;
    if (segment.kind === "param") {
      if (part === "") return undefined;
      parameters[segment.name] = decode(part);
    }
  }
  return segments.length === parts.length ? parameters : undefined;
}

/** Negative when `a` is more specific than `b`. */
function bySpecificity(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.segments.length, b.segments.length);
  for (let index = 0; index < length; index++) {
    const kindA = a.segments[index]?.kind;
    const kindB = b.segments[index]?.kind;
    if (kindA !== kindB) {
      return (kindB ? SPECIFICITY[kindB] : -1) - (kindA ? SPECIFICITY[kindA] : -1);
    }
  }
  return Number(a.route.method === "ANY") - Number(b.route.method === "ANY");
}

export function createRouter(routes: Route[]) {
  const defaultRoute = routes.find((route) => route.path === "$default");
  const compiled = routes
    .filter((route) => route !== defaultRoute)
    .map(compile)
    .sort(bySpecificity);

  return {
    match(method: string, rawPath: string): RouteMatch | undefined {
      const parts = rawPath.split("/").slice(1);
      for (const candidate of compiled) {
        const { route } = candidate;
        if (route.method !== "ANY" && route.method !== method) continue;
        const pathParameters = matchPath(candidate.segments, parts);
        if (!pathParameters) continue;
        return {
          route,
          routeKey: `${route.method} ${route.path}`,
          ...(Object.keys(pathParameters).length > 0 && { pathParameters }),
        };
      }
      return defaultRoute && { route: defaultRoute, routeKey: "$default" };
    },
  };
}
