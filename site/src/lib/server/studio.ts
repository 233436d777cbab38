import { redirect } from "@sveltejs/kit";
import type { ResolvedCredential } from "$core/credentials";
import { estimateCostUsd } from "$core/pricing";
import { listProviders } from "$core/providers";
import type { ProviderOption } from "$lib/types";

export function providerOptions(): ProviderOption[] {
  return listProviders().map(({ name, capabilities }) => ({
    name,
    models: [...capabilities.models],
    sizes: [...capabilities.sizes],
    seconds: [...capabilities.seconds],
    imageInput: capabilities.imageInput,
    remix: capabilities.remix,
  }));
}

export const priceKey = (model: string, seconds: number, size: string) =>
  `${model}|${seconds}|${size}`;

/**
 * Estimated USD for every combination the providers offer (a few dozen), so the browser shows the
 * cost of the current choice without a round trip and without shipping core/ to the client.
 */
export function priceTable(providers: ProviderOption[]): Record<string, number | null> {
  const table: Record<string, number | null> = {};
  for (const provider of providers) {
    for (const model of provider.models) {
      for (const seconds of provider.seconds) {
        for (const size of provider.sizes) {
          table[priceKey(model, seconds, size)] = estimateCostUsd(model, seconds, size) ?? null;
        }
      }
    }
  }
  return table;
}

/** The signed-in caller; hooks.server.ts already sends signed-out visitors to /sign-in. */
export function callerOf(locals: App.Locals): ResolvedCredential {
  if (!locals.caller) redirect(303, "/sign-in");
  return locals.caller;
}
