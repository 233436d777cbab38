// Secrets are set per stage with `sst secret set <Name> <value>`; linking one to a function hands
// it over as `Resource.<Name>.value`, never as a plain environment variable.

/** HMAC key for owner ids and AES-256-GCM key material for sealing brought provider keys. */
export const serverSecret = new sst.Secret("ServerSecret");

/** The operator's OpenAI-compatible provider key, used on behalf of access-code holders. */
export const providerKey = new sst.Secret("ProviderKey");

/** Standard Webhooks signing secret (`whsec_...`) shared with the provider. */
export const webhookSecret = new sst.Secret("WebhookSecret");

/** OpenAI-compatible base URL; the placeholder is the default until a stage overrides it. */
export const providerBaseUrl = new sst.Secret("ProviderBaseUrl", "https://api.openai.com/v1");

export const secrets = { serverSecret, providerKey, webhookSecret, providerBaseUrl };
