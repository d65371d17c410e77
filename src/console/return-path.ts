/** The console's pages a sign-in may return to (GET pages only: no API, stream or action). */
const PAGES = /^\/(?:locks(?:\/unlock)?|audit|jobs\/\d{1,12})?$/;

const MAX_LENGTH = 500;

/**
 * Where to send the browser after sign-in, from the `return` a link carried: parsed as a browser
 * parses a URL (WHATWG: tabs and newlines dropped, backslashes read as slashes, `//host` and
 * `/\host` naming another host, percent-encoding kept), resolved against the console's own
 * origin, and kept only when it is that origin and one of the console's pages. The answer is the
 * parsed path and query re-serialized, so the browser reads it exactly as it was judged; anything
 * else gives `/`.
 */
export function safeReturnPath(value: string | null | undefined, origin: string): string {
  if (!value || value.length > MAX_LENGTH) return "/";
  let own: URL;
  let url: URL;
  try {
    own = new URL(origin);
    url = new URL(value, own);
  } catch {
    return "/";
  }
  if (url.origin !== own.origin || url.username || url.password) return "/";
  if (!PAGES.test(url.pathname)) return "/";
  return url.pathname + url.search;
}
