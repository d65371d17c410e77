/** Cookies by name, as a browser keeps them for one site (paths aside: one flow at a time). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = "", ...attrs] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expires = attrs.map((a) => /^\s*expires=(.*)$/i.exec(a)?.[1]).find((v) => v !== undefined);
      const gone = !value || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a)) || (expires !== undefined && Date.parse(expires) < Date.now());
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
  }
}

/** One browser's cookies: the console's, and the provider's (its session there, which a sign-in again reuses). */
export interface Browser {
  console: CookieJar;
  idp: CookieJar;
}

/**
 * Signs `login` in to the console at `base` through a real oidc-provider's dev pages (its login
 * form, then its consent form), over plain HTTP as a browser would: the console's cookie at the
 * end, and where the callback sent the browser. In `browser`, a sign-in again: over its console
 * session, with its session at the provider.
 */
export async function signInThroughProvider(
  base: string,
  provider: string,
  login: string,
  browser: Browser = { console: new CookieJar(), idp: new CookieJar() },
): Promise<{ cookie: string; location: string }> {
  const { console: consoleJar, idp } = browser;
  const start = await fetch(`${base}/login/sso/${provider}`, { redirect: "manual", headers: { cookie: consoleJar.header() } });
  consoleJar.take(start);
  let url = new URL(start.headers.get("location") ?? "");
  for (let step = 0; step < 12; step++) {
    if (url.origin === new URL(base).origin) {
      const back = await fetch(url, { redirect: "manual", headers: { cookie: consoleJar.header() } });
      consoleJar.take(back);
      if (back.status !== 302) throw new Error(`the callback answered ${back.status}: ${await back.text()}`);
      return { cookie: consoleJar.header(), location: back.headers.get("location") ?? "" };
    }
    let r = await fetch(url, { redirect: "manual", headers: { cookie: idp.header() } });
    idp.take(r);
    if (r.status === 200) {
      const html = await r.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      if (!action) throw new Error(`no form at ${url.href}`);
      const form: Record<string, string> = html.includes('name="login"')
        ? { prompt: "login", login, password: "anything" }
        : { prompt: "consent" };
      r = await fetch(new URL(action, url), {
        method: "POST",
        redirect: "manual",
        headers: { cookie: idp.header(), "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
      });
      idp.take(r);
    }
    const next = r.headers.get("location");
    if (!next) throw new Error(`the provider answered ${r.status} at ${url.href} without a redirect`);
    url = new URL(next, url);
  }
  throw new Error("the sign-in did not come back to the console");
}
