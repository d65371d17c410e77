import type { IncomingMessage, ServerResponse } from "node:http";
import { describeOidcError } from "../sso/oidc-error.js";
import { logoutTokenVerifier } from "../sso/logout-token.js";
import type { ConsoleContext } from "./console-context.js";
import { readForm, sendJson } from "./http-replies.js";

/**
 * `POST /login/sso/<name>/backchannel-logout` (OpenID Connect Back-Channel Logout 1.0): the
 * provider, not a browser, posts a signed logout token when the user signs out there (or an admin
 * ends their sessions); every console session it names ends, on every replica. No cookie and no
 * CSRF token: the token's signature is the only credential. Answers 200, or 400 with the reason
 * (the spec's `invalid_request`), and never says whether any session was open.
 */
export function backchannelLogout() {
  const verify = logoutTokenVerifier();
  return async function handle(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, name: string) {
    const provider = ctx.sso.get(name);
    const client = provider?.client();
    if (!provider || !client) {
      req.resume();
      return sendJson(res, 404, { error: "no such SSO provider, or it is not ready" });
    }
    const form = await readForm(req);
    const token = typeof form === "string" ? null : form.get("logout_token");
    if (!token) return sendJson(res, 400, { error: "invalid_request", error_description: "expected a form with logout_token" });
    let order: Awaited<ReturnType<typeof verify>>;
    try {
      order = await verify(provider, client, token);
    } catch (e) {
      const reason = describeOidcError(e);
      ctx.deps.log.warn({ provider: name, reason }, `back-channel logout from ${name} refused`);
      return sendJson(res, 400, { error: "invalid_request", error_description: `the logout token was refused: ${reason}` });
    }
    // Once: a replay (a copy of the token from a log or a proxy, within its minutes) is refused on
    // every replica. Taken with the sessions' end, or not at all: a failure is retried by the provider.
    const ended = await ctx.store.logOutOnce(
      name,
      { jti: order.jti, until: order.until.toISOString() },
      { subject: order.sub, sid: order.sid },
    );
    if (ended === undefined) {
      ctx.deps.log.warn({ provider: name, jti: order.jti }, `back-channel logout from ${name} refused: its token was taken before`);
      return sendJson(res, 400, { error: "invalid_request", error_description: "the logout token was taken before (its jti): a replay" });
    }
    ctx.deps.log.info({ provider: name, sub: order.sub, sid: order.sid, ended }, `back-channel logout from ${name}`);
    res.writeHead(200, { "cache-control": "no-store" }).end();
  };
}
