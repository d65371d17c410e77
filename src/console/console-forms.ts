import type { IncomingMessage, ServerResponse } from "node:http";
import type { ConsoleDeps, Viewer } from "./console-context.js";
import { csrfValid } from "./console-session.js";
import { readForm, sendJson } from "./http-replies.js";

/** The console's POST forms, read only when they come from its own pages. */
export function consoleForms(deps: Pick<ConsoleDeps, "env">, baseUrl: (req: IncomingMessage) => string) {
  /** POST forms: a CSRF token of this session, and (when the browser says) our own origin. */
  async function postForm(req: IncomingMessage, res: ServerResponse, v: Pick<Viewer, "session">): Promise<URLSearchParams | undefined> {
    const origin = req.headers.origin;
    if (origin && origin !== new URL(baseUrl(req)).origin) {
      sendJson(res, 403, { error: originRefusal(origin, req.headers.host, deps.env.publicUrl) });
      return undefined;
    }
    const form = await readForm(req);
    if (form === "too-large" || form === "wrong-type") {
      sendJson(res, form === "too-large" ? 413 : 415, { error: form === "too-large" ? "form too large" : "expected a form" });
      return undefined;
    }
    if (!csrfValid(v.session, form.get("_csrf"))) {
      sendJson(res, 403, { error: "invalid or missing CSRF token: reload the page and try again" });
      return undefined;
    }
    return form;
  }

  return { postForm };
}

/**
 * Why a form's origin was refused. Behind a proxy that ends TLS, the browser's origin is
 * `https://HOST` while the console, told no public address, takes itself for `http://HOST`: every
 * form would be refused as cross-site, so the answer names the setting that fixes it.
 */
export function originRefusal(origin: string, host: string | undefined, publicUrl: string | undefined): string {
  if (!publicUrl && host && origin === `https://${host}`)
    return `the form came from ${origin}, but the console takes itself for http://${host}: set SLUICE_PUBLIC_URL=${origin} (the address users open, as a proxy ending TLS serves it)`;
  return "cross-site request refused";
}
