/** `sst.Secret` (platform/src/components/secret.ts): its name and the placeholder it may declare. */
import { StandIn } from "./recording";
import { optionalString } from "./values";

export class SecretStandIn extends StandIn {
  /**
   * The value exists only when a stage deploys; what infra/ derives from it (the Router's proof,
   * infra/site.ts) has no use locally, where the runtime hands functions the local secrets.
   */
  readonly value = { apply: () => `(derived from ${this.componentName} at deploy)` };

  constructor(name: string, placeholder?: unknown) {
    super(name, "sst.Secret");
    const { model } = this.recording;
    model.secrets.push(name);
    const value = optionalString(placeholder, `${name}: placeholder`);
    if (value !== undefined) model.secretDefaults[name] = value;
  }
}
