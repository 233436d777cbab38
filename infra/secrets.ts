// Secrets are set per stage with `sst secret set <Name> <value>`; linking one to a function hands
// it over as `Resource.<Name>.value`, never as a plain environment variable.

/** HMAC key for owner ids and AES-256-GCM key material for sealing brought provider keys. */
export const serverSecret = new sst.Secret("ServerSecret");

/** The operator's OpenAI-compatible provider key, used on behalf of access-code holders. */
export const providerKey = new sst.Secret("ProviderKey");

/**
 * The operator's keys for the live providers, used on behalf of access-code holders. Each is
 * optional: left at its placeholder ("none", core/credentials.ts NOT_CONFIGURED), the provider is
 * not offered to access codes; people who bring their own key of it can still use it.
 */
export const runwayKey = new sst.Secret("RunwayKey", "none");
export const falKey = new sst.Secret("FalKey", "none");
export const openRouterKey = new sst.Secret("OpenRouterKey", "none");
/**
 * Amazon Bedrock takes no key: the functions' own role calls it (infra/bedrock.ts grants that).
 * This names the region to call it in (Luma Ray2 is served in us-west-2); "none" turns it off.
 */
export const bedrockRegion = new sst.Secret("BedrockRegion", "none");

/** Every operator provider key: what anything that runs jobs on the operator's account links. */
export const operatorKeys = [providerKey, runwayKey, falKey, openRouterKey, bedrockRegion];

/** Standard Webhooks signing secret (`whsec_...`) shared with the provider. */
export const webhookSecret = new sst.Secret("WebhookSecret");

/**
 * The OpenRouter workspace's webhook signing secret: set, jobs ask OpenRouter for a signed
 * callback on completion; left at "none", they are polled only.
 */
export const openRouterWebhookSecret = new sst.Secret("OpenRouterWebhookSecret", "none");

/** OpenAI-compatible base URL; the placeholder is the default until a stage overrides it. */
export const providerBaseUrl = new sst.Secret("ProviderBaseUrl", "https://api.openai.com/v1");

export const secrets = {
  serverSecret,
  providerKey,
  runwayKey,
  falKey,
  openRouterKey,
  bedrockRegion,
  webhookSecret,
  openRouterWebhookSecret,
  providerBaseUrl,
};
