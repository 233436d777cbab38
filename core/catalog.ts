/**
 * The providers and models a caller can use, as the API (GET /api/providers) and the site's
 * picker show them: every figure comes from the adapters' declarations.
 */
import { providersFor } from "./caller-providers";
import type { ResolvedCredential } from "./credentials";
import { askProvider, getProvider } from "./providers";
import type { VideoModel } from "./providers/contract";
import { startClock, TIME_BUDGETS } from "./time-budgets";
import type { ProviderCatalog, PublicModel, PublicProvider } from "./responses";

/** As GET /api/providers shows them (their schemas are in core/responses.ts). */
export type { PublicModel, PublicProvider };

const publicModel = (model: VideoModel): PublicModel => ({
  id: model.id,
  label: model.label,
  seconds: [...model.seconds],
  sizes: [...model.sizes],
  images: { ...model.images },
  sound: model.sound,
  remix: model.remix,
  price: model.price ?? null,
  typicalSeconds: Object.fromEntries(
    model.seconds.map((seconds) => [
      seconds,
      model.typicalTime.base + model.typicalTime.perOutputSecond * seconds,
    ]),
  ),
});

/** The providers the caller's credential can use, with each model's capabilities and price. */
export const providerCatalog = (caller: ResolvedCredential): PublicProvider[] =>
  providersFor(caller).map((provider) => ({
    name: provider.name,
    label: provider.label,
    reportsProgress: provider.reportsProgress,
    models: provider.models.map(publicModel),
  }));

/**
 * The catalogue with the caller's own account at each provider where it can say (a brought key's
 * balance, e.g. Runway's credits): asked of the provider, so only where a person looks.
 */
export async function providerCatalogWithAccounts(
  caller: ResolvedCredential,
): Promise<ProviderCatalog> {
  const providers = await Promise.all(
    providerCatalog(caller).map(async (entry) => {
      const check = getProvider(entry.name).checkKey;
      if (caller.kind !== "brought-key" || !check) return entry;
      const time = startClock(TIME_BUDGETS.accountCheck).providerCall();
      const account = await askProvider(() => check(caller.providerCredential, time), time);
      return { ...entry, account };
    }),
  );
  return { providers };
}
