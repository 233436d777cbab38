import { expect, inject } from "vitest";

/** The sign-in form posted as a browser without script posts it; the reply, unfollowed. */
export function postSignInForm(credential: string): Promise<Response> {
  const stack = inject("stack");
  return fetch(`${stack.url}/sign-in`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      accept: "text/html",
      origin: stack.url,
    },
    body: new URLSearchParams({ credential, next: "/" }),
    redirect: "manual",
  });
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
