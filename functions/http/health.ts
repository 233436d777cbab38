import { checkAddressLimit } from "#core/address-limits";
import { TakesError } from "#core/errors";
import { checkHealth } from "#core/health";
import { callerAddress } from "./request";
import { httpHandler, json } from "./respond";

/**
 * GET /api/health — liveness plus the reachability of table, bucket, queues and provider. Anyone
 * may ask, so each address may ask only so often.
 */
export const handler = httpHandler(async (event) => {
  try {
    await checkAddressLimit(callerAddress(event), "health");
  } catch (error) {
    // The count lives in DynamoDB: while that is down, the report below is what must say so.
    if (error instanceof TakesError) throw error;
  }
  const health = await checkHealth();
  return json(health.ok ? 200 : 503, health);
});
