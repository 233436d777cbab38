import { afterAll, beforeAll } from "vitest";
import { startLinkedResources, type LinkOptions, type LinkedResources } from "#local/link";

/**
 * For a test file that needs the app's resources and nothing of them itself: starts and links
 * them (local/link.ts) before its tests, and stops them after.
 */
export function useLinkedResources(options: LinkOptions = {}) {
  let linked: LinkedResources | undefined;
  beforeAll(async () => {
    linked = await startLinkedResources(options);
  });
  afterAll(() => linked?.stop());
}
