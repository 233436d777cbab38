import { Resource } from "sst/resource";

/**
 * The placeholder of the operator's optional secrets (infra/secrets.ts): a provider key, region or
 * webhook secret left at it is not configured.
 */
export const NOT_CONFIGURED = "none";

/** The value of the linked secret `name`, or undefined when it is left at its placeholder. */
export function configuredSecret(name: string): string | undefined {
  const secret = (Resource as unknown as Record<string, { value?: string } | undefined>)[name];
  const value = secret?.value;
  return value && value !== NOT_CONFIGURED ? value : undefined;
}
