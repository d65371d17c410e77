import type { IncomingMessage, ServerResponse } from "node:http";
import { issueToken, issueTokenSchema, revokeToken } from "./token-actions.js";
import type { ConsoleContext, Viewer } from "./console-context.js";
import { renderPage } from "./console-templates.js";
import { redirect, sendHtml } from "./http-replies.js";
import { repoGlobsField } from "./repo-globs-field.js";

// /tokens: the API tokens admins issued, a form to issue one (shown once) and revoke buttons.

async function render(ctx: ConsoleContext, res: ServerResponse, v: Viewer, issued?: { name: string; token: string }, flash?: string) {
  const now = new Date().toISOString();
  const rows = (await ctx.store.apiTokens()).map((t) => ({
    ...t,
    scopes: t.scopes.join(", "),
    repos: t.repos.join(", ") || "all",
    state: t.revokedAt
      ? `revoked by ${t.revokedBy ?? "?"}`
      : t.expiresAt <= now
        ? "expired"
        : t.issuerUnknown
          ? "refused: issued before Sluice recorded its SSO user's issuer (issue a new one)"
          : "active",
  }));
  sendHtml(
    res,
    200,
    renderPage("tokens", ctx.layout(v, "API tokens", { nav: "tokens", pause: await ctx.pauseState(), flash }), {
      rows,
      issued,
      apiEnabled: ctx.deps.config.api?.enabled === true,
      maxDays: ctx.deps.config.api?.max_token_days ?? 365,
    }),
  );
}

const notAdmin = (ctx: ConsoleContext, res: ServerResponse, v: Viewer) =>
  ctx.message(res, 403, v, "Not allowed", "Only admins see and issue API tokens.", { href: "/", text: "Overview" });

export async function tokensPage(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer) {
  if (!v.admin) return notAdmin(ctx, res, v);
  await render(ctx, res, v, undefined, url.searchParams.get("done") === "revoke" ? "Token revoked." : undefined);
}

export async function issueTokenForm(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, v: Viewer) {
  const form = await ctx.postForm(req, res, v);
  if (!form) return;
  if (!v.admin) return notAdmin(ctx, res, v);
  const parsed = issueTokenSchema.safeParse({
    name: form.get("name") ?? "",
    scopes: form.getAll("scopes"),
    repos: repoGlobsField(form.get("repos") ?? ""),
    expires_in_days: Number(form.get("expires_in_days")),
  });
  const back = { href: "/tokens", text: "API tokens" };
  if (!parsed.success)
    return ctx.message(res, 400, v, "Not issued", parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "), back);
  const r = await issueToken(ctx.store, v, parsed.data, ctx.deps.config.api?.max_token_days ?? 365);
  if (!r.ok) return ctx.message(res, r.status, v, "Not issued", r.error, back);
  await render(ctx, res, v, { name: r.record.name, token: r.token });
}

export async function revokeTokenForm(ctx: ConsoleContext, req: IncomingMessage, res: ServerResponse, v: Viewer) {
  const form = await ctx.postForm(req, res, v);
  if (!form) return;
  const r = await revokeToken(ctx.store, v, Number(form.get("id")));
  if (!r.ok) return ctx.message(res, r.status, v, "Not revoked", r.error, { href: "/tokens", text: "API tokens" });
  redirect(res, "/tokens?done=revoke", 303);
}
