/**
 * The recording one run of `sst.config.ts` fills, and the base every component stand-in shares:
 * it registers the component's name, and reading a member it does not stand in for throws, naming
 * it, instead of quietly leaving something out of the model.
 */
import { emptyStackModel, type StackModel } from "./model";

/** Where the recorded components pretend to live, for their ARNs and URLs. */
export const LOCAL_ACCOUNT = "000000000000";
export const LOCAL_REGION = "us-east-1";

/** What one run of `sst.config.ts` has declared so far. */
export class Recording {
  readonly model = emptyStackModel();
  readonly #names = new Set<string>();
  /** ARN or URL of a component → its name, to turn references back into names. */
  readonly #addresses = new Map<string, string>();

  register(name: string) {
    if (this.#names.has(name)) throw new Error(`Two components are named "${name}"`);
    this.#names.add(name);
  }

  addAddress(address: string, name: string) {
    this.#addresses.set(address, name);
  }

  nameAt(address: string): string | undefined {
    return this.#addresses.get(address);
  }

  componentAt(address: string, what: string): string {
    const name = this.#addresses.get(address);
    if (!name) throw new Error(`${what}: "${address}" is not a component of this app`);
    return name;
  }
}

let active: Recording | undefined;

/** Runs `body` with a fresh recording, which the stand-ins it creates record into. */
export async function recordDuring(body: () => Promise<unknown>): Promise<StackModel> {
  if (active) throw new Error("A recording is already in progress");
  const recording = new Recording();
  active = recording;
  try {
    await body();
    return recording.model;
  } finally {
    active = undefined;
  }
}

/** `target` whose unknown members throw, naming themselves as `${path}.${member}`. */
export function strict<T extends object>(path: string, target: T): T {
  return new Proxy(target, {
    get(target, key, receiver) {
      if (typeof key === "symbol" || key in target) return Reflect.get(target, key, receiver);
      if (key === "then") return undefined; // not a thenable
      throw new Error(`The infra recorder has no stand-in for ${path}.${key} (local/infra/)`);
    },
  });
}

/** Every component stand-in. `componentType` is the constructor as infra/ spells it. */
export abstract class StandIn {
  protected readonly recording: Recording;

  constructor(
    readonly componentName: string,
    readonly componentType: string,
  ) {
    if (!active) throw new Error(`${componentType} "${componentName}" created outside a recording`);
    active.register(componentName);
    this.recording = active;
    return strict(`${componentType}("${componentName}")`, this);
  }

  /** Makes an ARN or URL stand for this component in references, and returns it. */
  protected address(address: string): string {
    this.recording.addAddress(address, this.componentName);
    return address;
  }

  /** What a method hands back: nothing infra/ reads, so any member of it throws, naming itself. */
  protected result(method: string): object {
    return strict(`${this.componentType}("${this.componentName}").${method}()`, {});
  }
}

/**
 * The names of the components a function or site links: each a component, or a link that grants
 * only some actions on one (infra/access.ts), named after its `component`. IAM has no local
 * counterpart, so only the name is recorded.
 */
export function linkedNames(link: unknown, owner: string): string[] {
  if (link === undefined) return [];
  if (!Array.isArray(link)) throw new Error(`${owner}: link must be a list`);
  return link.map((item: unknown) => {
    const component = isScopedLink(item) ? item.component : item;
    if (component instanceof StandIn) return component.componentName;
    throw new Error(`${owner}: can only link components of this app, got ${String(item)}`);
  });
}

function isScopedLink(item: unknown): item is { component: unknown } {
  return (
    typeof item === "object" && item !== null && !(item instanceof StandIn) && "component" in item
  );
}
