import { expect, inject } from "vitest";
import { ownLoopbackAddress, requestFrom } from "./addresses";

/**
 * The sign-in form posted as a browser without script posts it; the reply, unfollowed. Each post
 * comes from a loopback address of its own: sign-in attempts are limited per address
 * (core/address-limits.ts, tested in security/address-limits.test.ts), and tests sign in far more
 * often than a person.
 */
export async function postSignInForm(credential: string, next = "/"): Promise<Response> {
  const stack = inject("stack");
  const reply = await requestFrom(ownLoopbackAddress(), `${stack.url}/sign-in`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
      origin: stack.url,
    },
    body: new URLSearchParams({ credential, next }).toString(),
  });
  const headers = new Headers();
  for (const [name, value] of Object.entries(reply.headers)) {
    for (const each of [value ?? []].flat()) headers.append(name, each);
  }
  return new Response(reply.body, { status: reply.status, headers });
}

/** Signs in through the site's form, as a browser would, and returns the session cookie. */
export async function signInCookie(credential: string): Promise<string> {
  const response = await postSignInForm(credential);
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
