import { expect, inject } from "vitest";

/** Signs in through the site's form, as a browser would, and returns the session cookie. */
export async function signInCookie(credential: string): Promise<string> {
  const stack = inject("stack");
  const response = await fetch(`${stack.url}/sign-in`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
      origin: stack.url,
    },
    body: new URLSearchParams({ credential, next: "/" }),
    redirect: "manual",
  });
  expect(response.status).toBe(303);
  const cookie = response.headers
    .getSetCookie()
    .find((header) => header.startsWith("takes_session="));
  expect(cookie).toMatch(/; HttpOnly/i);
  expect(cookie).toMatch(/; SameSite=Lax/i);
  expect(cookie).toMatch(/; Path=\//i);
  expect(cookie).not.toMatch(/; Secure/i); // plain http on loopback
  return cookie!.split(";")[0]!;
}
