import type { components } from "@octokit/openapi-types";
import { appJson } from "./app-json.js";
import { notFound, ok } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";

type Conversion = NonNullable<components["schemas"]["integration"]> & {
  client_id: string;
  client_secret: string;
  webhook_secret: string | null;
  pem: string;
};

/**
 * The end of GitHub's "register an app from a manifest" flow: the code GitHub hands back is
 * exchanged, once, for the new app's credentials (no authentication). The simulator's one app is
 * the app every code registers.
 */
export function registerManifestRoutes(router: RestRouter, core: SimCore, credentials: { pem: string; webhookSecret: string }): void {
  const used = new Set<string>();
  router.add("POST", "/app-manifests/{code}/conversions", "none", (req) => {
    const code = req.params.code ?? "";
    if (!code || used.has(code)) throw notFound();
    used.add(code);
    const body: Conversion = {
      ...(appJson(core.ctx) as NonNullable<components["schemas"]["integration"]>),
      client_id: `Iv1.sim${core.ctx.app.id}`,
      client_secret: `sim-client-secret-${core.ctx.app.id}`,
      webhook_secret: credentials.webhookSecret,
      pem: credentials.pem,
    };
    return ok(body, 201);
  });
}
