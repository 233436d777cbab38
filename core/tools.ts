/**
 * Which text and image models serve the prompt and image tools, and calling them while a person
 * waits. A person whose own key is of a provider with such a model uses it; everyone else is
 * served by the operator's configuration — TAKES_TEXT_PROVIDER / TAKES_TEXT_MODEL and
 * TAKES_IMAGE_PROVIDER / TAKES_IMAGE_MODEL, set at deploy, each on the operator's key for that
 * provider — within the rate-limit budgets every request takes from and, for an access code, its
 * tool budget (core/tool-budget.ts).
 */
import { operatorKey } from "./caller-providers";
import type { ResolvedCredential } from "./credentials";
import { TakesError } from "./errors";
import { log } from "./log";
import { getProvider } from "./providers";
import {
  INTERACTIVE_DEADLINE_MS,
  providerFailureToTakesError,
  ProviderUnavailable,
  type VideoProvider,
} from "./providers/contract";

export type Tool = "text" | "image";

const TOOL_NAMES: Record<Tool, { label: string; service: string }> = {
  text: { label: "Prompt improvement", service: "text model" },
  image: { label: "Image generation", service: "image model" },
};

/** The operator's choice for a tool: a provider (OpenAI-compatible by default) and a model. */
function configured(tool: Tool) {
  const env = tool === "text" ? process.env.TAKES_TEXT_PROVIDER : process.env.TAKES_IMAGE_PROVIDER;
  const model = tool === "text" ? process.env.TAKES_TEXT_MODEL : process.env.TAKES_IMAGE_MODEL;
  return { provider: getProvider(env || "openai"), model: model || undefined };
}

const offers = (provider: VideoProvider, tool: Tool) =>
  tool === "text" ? provider.writeText !== undefined : provider.drawImage !== undefined;

export interface ToolChoice {
  provider: VideoProvider;
  credential: string;
  model?: string;
}

/** Who serves `tool` for the caller: their own key's provider if it has one, else the operator's. */
export function toolFor(caller: ResolvedCredential, tool: Tool): ToolChoice {
  const operators = configured(tool);
  if (caller.kind === "brought-key" && caller.provider) {
    const own = getProvider(caller.provider);
    if (offers(own, tool)) {
      // The operator's model choice holds where it names a model of this same provider.
      const model = own === operators.provider ? operators.model : undefined;
      log.info("tool model", { tool, provider: own.name, model, whose: "caller" });
      return { provider: own, credential: caller.providerCredential, model };
    }
  }
  const credential = offers(operators.provider, tool) ? operatorKey(operators.provider) : undefined;
  if (!credential) {
    throw new TakesError(
      503,
      "tool_unavailable",
      `${TOOL_NAMES[tool].label} is not set up on this Takes.`,
    );
  }
  log.info("tool model", {
    tool,
    provider: operators.provider.name,
    model: operators.model,
    whose: "operator",
  });
  return { ...operators, credential };
}

/**
 * Runs a tool's model call for a person waiting on an HTTP reply: an overall deadline, and every
 * failure as the TakesError the person should see ("The text model is unavailable.").
 */
export async function whileWaiting<T>(tool: Tool, run: (signal: AbortSignal) => Promise<T>) {
  const signal = AbortSignal.timeout(INTERACTIVE_DEADLINE_MS);
  const { service } = TOOL_NAMES[tool];
  try {
    return await run(signal);
  } catch (error) {
    if (error instanceof TakesError) throw error;
    const failure = signal.aborted
      ? new ProviderUnavailable(
          `The ${service} did not answer within ${INTERACTIVE_DEADLINE_MS / 1000} seconds.`,
        )
      : error;
    throw providerFailureToTakesError(failure) ?? failure;
  }
}
