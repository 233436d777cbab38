/**
 * Where to send a person after sign-in: a path on this site, never another origin. The check is
 * the browser's own parsing (WHATWG URL), which ignores tabs and newlines and reads `\` as `/`, so
 * "/\t/evil.example", "/\evil.example" and "/.//evil.example" are seen as the browser would follow
 * them; whatever is left is the normalised path, which cannot start a host either.
 */
const THIS_SITE = "https://takes.invalid";

export function safeNextPath(value: string | null | undefined): string {
  if (!value || !value.startsWith("/")) return "/";
  let parsed: URL;
  try {
    parsed = new URL(value, THIS_SITE);
  } catch {
    return "/";
  }
  if (parsed.origin !== THIS_SITE) return "/";
  const path = `${parsed.pathname}${parsed.search}${parsed.hash}`;
  // A normalised path that begins "//" would read as another host once sent as a Location.
  return path.startsWith("//") ? "/" : path;
}
