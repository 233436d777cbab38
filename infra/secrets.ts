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

/** Every operator provider key: what anything that runs jobs on the operator's account links. */
export const operatorKeys = [providerKey, runwayKey, falKey];

/** Standard Webhooks signing secret (`whsec_...`) shared with the provider. */
export const webhookSecret = new sst.Secret("WebhookSecret");

/** OpenAI-compatible base URL; the placeholder is the default until a stage overrides it. */
export const providerBaseUrl = new sst.Secret("ProviderBaseUrl", "https://api.openai.com/v1");

export const secrets = {
  serverSecret,
  providerKey,
  runwayKey,
  falKey,
  webhookSecret,
  providerBaseUrl,
};
