import { redirect } from "@sveltejs/kit";
import { providerCatalog } from "$core/catalog";
import type { ResolvedCredential } from "$core/credentials";
import { estimateCostUsd } from "$core/providers/declarations";
import type { ProviderOption } from "$lib/types";

/** The providers and models the caller can use, as GET /api/providers lists them. */
export const providerOptions = (caller: ResolvedCredential): ProviderOption[] =>
  providerCatalog(caller);

export const priceKey = (
  provider: string,
  model: string,
  seconds: number,
  size: string,
  sound: boolean,
) => `${provider}|${model}|${seconds}|${size}|${sound}`;

/**
 * Estimated USD for every combination the caller's models offer (a few hundred), so the browser
 * shows the cost of the current choice without a round trip and without shipping core/ to it.
 */
export function priceTable(providers: ProviderOption[]): Record<string, number | null> {
  const table: Record<string, number | null> = {};
  for (const { name: provider, models } of providers) {
    for (const { id: model, seconds: lengths, sizes, sound: soundOption } of models) {
      const sounds = soundOption === "optional" ? [true, false] : [soundOption === "always"];
      for (const seconds of lengths) {
        for (const size of sizes) {
          for (const sound of sounds) {
            table[priceKey(provider, model, seconds, size, sound)] =
              estimateCostUsd({ provider, model, seconds, size, sound }) ?? null;
          }
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
