/**
 * `npm run openrouter:models [-- --url <base URL>] [--out <file>]`
 *
 * Refreshes core/providers/openrouter-models.json, the snapshot of OpenRouter's video model listing
 * the OpenRouter adapter declares its models, sizes, durations, frame images, sound and prices
 * from. The listing is kept as OpenRouter answers it (checked with the official SDK's own schema,
 * which the adapter parses it with), from https://openrouter.ai/api/v1 unless --url or
 * OPENROUTER_BASE_URL says otherwise (the local emulator serves a copy of it under
 * <emulator>/openrouter/api/v1). OPENROUTER_API_KEY is sent when set; the listing needs none.
 *
 * Review the diff before committing it: a new model appears in the picker as soon as it lands.
 */
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { parseArgs } from "node:util";
import { VideoModelsListResponse$inboundSchema } from "@openrouter/sdk/models";

const OPENROUTER_API = "https://openrouter.ai/api/v1";

const { values } = parseArgs({
  options: {
    url: { type: "string", default: process.env.OPENROUTER_BASE_URL ?? OPENROUTER_API },
    out: {
      type: "string",
      default: join(import.meta.dirname, "..", "core", "providers", "openrouter-models.json"),
    },
  },
});

const response = await fetch(`${values.url}/videos/models`, {
  headers: process.env.OPENROUTER_API_KEY
    ? { authorization: `Bearer ${process.env.OPENROUTER_API_KEY}` }
    : {},
});
if (!response.ok) throw new Error(`${values.url}/videos/models answered ${response.status}.`);
const listing = (await response.json()) as { data: unknown[] };
VideoModelsListResponse$inboundSchema.parse(listing);
const snapshot = {
  fetchedAt: new Date().toISOString(),
  source: `GET ${values.url}/videos/models`,
  listing,
};
await writeFile(values.out, `${JSON.stringify(snapshot, null, 2)}\n`);
console.log(
  `${listing.data.length} models from ${values.url} → ${relative(process.cwd(), values.out)}`,
);
