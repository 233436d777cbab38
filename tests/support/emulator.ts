import { expect, inject } from "vitest";

/** Sets faults on the stack's OpenAI-shaped provider emulator, or clears them all. */
export const emulatorFaults = (faults?: object) =>
  fetch(`${inject("stack").providerUrl}/_emulator/faults`, {
    method: faults ? "POST" : "DELETE",
    headers: { "content-type": "application/json" },
    body: faults ? JSON.stringify(faults) : undefined,
  });

/** The videos the OpenAI-shaped emulator holds for a brought key: every create it saw. */
export async function providerVideos(key: string): Promise<{ id: string }[]> {
  const response = await fetch(`${inject("stack").providerUrl}/v1/videos?limit=100`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return ((await response.json()) as { data: { id: string }[] }).data;
}

/** Tells the OpenAI-shaped emulator to refuse `key` with a 401 (or to take it again). */
export async function setKeyRevoked(key: string, revoked: boolean) {
  const response = await fetch(`${inject("stack").providerUrl}/_emulator/openai/revoked-keys`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key, revoked }),
  });
  expect(response.status).toBe(200);
}
