/**
 * What `--generate` will make and spend: the cheapest video the stage's catalogue (GET
 * /api/providers, the deployed declarations) lists a price for, so the smoke test costs as little as
 * the stage allows and says how much before it spends it.
 */
import type { Model, Provider } from "../../cli/client";
import { usd } from "../../cli/format";
import { pricePerSecond } from "#core/providers/declarations";

export interface GenerationPlan {
  provider: string;
  model: Model;
  seconds: number;
  size: string;
  /** Sent only for models whose sound is optional: silent where that is cheaper. */
  sound: boolean | undefined;
  perSecondUsd: number;
  totalUsd: number;
  /** Models left out because they publish no list price. */
  unpriced: number;
}

const soundChoices = (model: Model): boolean[] =>
  model.sound === "optional" ? [false, true] : [model.sound === "always"];

/**
 * The cheapest priced (model, size, sound) at each model's shortest length; the first listed wins a
 * tie. Undefined when no model publishes a price: the smoke test never spends an unknown amount.
 */
export function cheapestGeneration(providers: Provider[]): GenerationPlan | undefined {
  let best: GenerationPlan | undefined;
  let unpriced = 0;
  for (const provider of providers) {
    for (const model of provider.models) {
      if (!model.price) {
        unpriced++;
        continue;
      }
      const seconds = Math.min(...model.seconds);
      for (const size of model.sizes) {
        for (const sound of soundChoices(model)) {
          const perSecondUsd = pricePerSecond(model.price ?? undefined, size, sound);
          if (perSecondUsd === undefined) continue;
          const totalUsd = Math.round(perSecondUsd * 100 * seconds) / 100;
          if (best && best.totalUsd <= totalUsd) continue;
          best = {
            provider: provider.name,
            model,
            seconds,
            size,
            sound: model.sound === "optional" ? sound : undefined,
            perSecondUsd,
            totalUsd,
            unpriced: 0,
          };
        }
      }
    }
  }
  return best && { ...best, unpriced };
}

/** "one 4 s 1280x720 silent video on openrouter google/veo-3.1-lite at $0.03/s: $0.12". */
export function describePlan(plan: GenerationPlan): string {
  const sound = plan.sound === undefined ? "" : plan.sound ? " with sound" : " silent";
  const left = plan.unpriced
    ? ` (${plan.unpriced} model${plan.unpriced === 1 ? "" : "s"} without a list price left out)`
    : "";
  return (
    `one ${plan.seconds} s ${plan.size}${sound} video on ${plan.provider} ${plan.model.id} ` +
    `(${plan.model.label}) at ${usd(plan.perSecondUsd)}/s list price: ${usd(plan.totalUsd)}${left}`
  );
}
