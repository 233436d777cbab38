// No open redirect after sign-in: whatever `next` says, the browser is only ever sent to a path on
// this site. The corpus is the usual bypasses of "starts with /" checks; each Location is read with
// WHATWG URL parsing, as the browser that follows it would read it.
import { describe, expect, inject, it } from "vitest";
import { postSignInForm, signInCookie } from "../../support/session";

const stack = inject("stack");
const origin = new URL(stack.url).origin;

const BYPASSES = [
  "//evil.example",
  "///evil.example",
  "////evil.example",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "/\t\\evil.example",
  " //evil.example",
  "/.//evil.example",
  "/./\\evil.example",
  "/..//evil.example",
  "/%09/evil.example",
  "/%2F/evil.example",
  "/%2f%2fevil.example",
  "/%5Cevil.example",
  "/%5C%5Cevil.example",
  "%2F%2Fevil.example",
  "https://evil.example",
  "http:evil.example",
  "https:/evil.example",
  "//evil.example/%2F..",
  "//evil.example@takes",
  "/@evil.example",
  "javascript:alert(1)",
  "/javascript:alert(1)",
  "java\tscript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "/\u3000/evil.example",
  "//evil%E3%80%82example",
  "/ /evil.example",
  "\t//evil.example",
];

/** Where the browser goes when it follows `location` from this site. */
const followed = (location: string) => new URL(location, stack.url);

function expectSameSite(location: string | null, next: string) {
  expect(location, JSON.stringify(next)).toBeTruthy();
  const target = followed(location!);
  expect(target.origin, `${JSON.stringify(next)} → ${JSON.stringify(location)}`).toBe(origin);
  expect(target.host, JSON.stringify(next)).not.toContain("evil");
}

// An access code: signing in asks no provider, so nothing but `next` is under test.
const signInWith = (next: string) => postSignInForm(stack.demoAccessCode, next);

describe("after sign-in, only a path on this site is followed", () => {
  it.each(BYPASSES)("the form's next %j stays on this site", async (next) => {
    const response = await signInWith(next);
    expect(response.status).toBe(303);
    expectSameSite(response.headers.get("location"), next);
  });

  it.each(BYPASSES)("a signed-in visit to /sign-in?next=%j stays on this site", async (next) => {
    const cookie = await signInCookie(stack.demoAccessCode);
    const response = await fetch(`${stack.url}/sign-in?next=${encodeURIComponent(next)}`, {
      headers: { cookie },
      redirect: "manual",
    });
    expect(response.status).toBe(303);
    expectSameSite(response.headers.get("location"), next);
  });

  it.each([
    ["/videos/01ABCDEFGHJKMNPQRSTVWXYZ00", "/videos/01ABCDEFGHJKMNPQRSTVWXYZ00"],
    ["/library?status=completed#top", "/library?status=completed#top"],
    ["/new", "/new"],
  ])("a path on this site (%s) is followed as given", async (next, expected) => {
    const response = await signInWith(next);
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(expected);
  });
});
