import type { components } from "@octokit/openapi-types";
import { appJson, installationJson, suspendedInstallationJson } from "./app-json.js";
import { DOCS, notFound, ok, paginate, RestError } from "./rest-reply.js";
import { repositoryJson } from "./repository-json.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import { registerHookDeliveryRoutes } from "./hook-delivery-routes.js";

/** Endpoints an app calls as itself, with its JWT. */
export function registerAppRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, state } = core;

  router.add("GET", "/app", "jwt", () => ok(appJson(ctx)));
  const suspended = () => [...state.suspendedInstallations].map(([id, login]) => suspendedInstallationJson(ctx, id, login));
  // A suspended installation is still listed; only its tokens are refused.
  router.add("GET", "/app/installations", "jwt", () => ok([installationJson(ctx), ...suspended()]));

  router.add("GET", "/app/hook/config", "jwt", () => {
    const { hookUrl, target } = core.webhooks;
    const body: components["schemas"]["webhook-config"] = {
      url: hookUrl ?? (target ? `${target}/api/github/webhooks` : ""),
      content_type: "json",
      insecure_ssl: "0",
      // GitHub never returns the secret itself.
      secret: "********",
    };
    return ok(body);
  });

  registerHookDeliveryRoutes(router, core);

  router.add("GET", "/app/installations/{installation_id}", "jwt", (req) => {
    const id = Number(req.params.installation_id);
    const other = suspended().find((i) => i.id === id);
    if (other) return ok(other);
    if (id !== ctx.app.installationId) throw notFound();
    return ok(installationJson(ctx));
  });

  router.add("GET", "/repos/{owner}/{repo}/installation", "jwt", (req) => {
    if (!state.repo(req.params.owner ?? "", req.params.repo ?? "")) throw notFound();
    return ok(installationJson(ctx));
  });

  // With an installation token: every repo (one installation covers them all).
  router.add("GET", "/installation/repositories", "token", (req) => {
    const repos = [...state.repos.values()].sort((a, b) => a.id - b.id);
    const { page, headers } = paginate(req, repos, `${ctx.api}/installation/repositories`);
    const body: components["schemas"]["repository"][] = page.map((r) => repositoryJson(ctx, r));
    return ok({ total_count: repos.length, repository_selection: "all", repositories: body }, 200, headers);
  });

  router.add("POST", "/app/installations/{installation_id}/access_tokens", "jwt", (req) => {
    const id = Number(req.params.installation_id);
    if (state.suspendedInstallations.has(id)) {
      throw new RestError(403, { message: "This installation has been suspended", documentation_url: DOCS, status: "403" });
    }
    if (id !== ctx.app.installationId) throw notFound();
    const minted = state.mintToken(id);
    const body: components["schemas"]["installation-token"] = {
      token: minted.token,
      expires_at: new Date(minted.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z"),
      permissions: { ...ctx.app.permissions } as components["schemas"]["app-permissions"],
      repository_selection: "all",
    };
    return ok(body, 201);
  });
}
