import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createApi } from "../../src/api/create-api.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { Principal } from "../../src/console/principal.js";
import { issueToken } from "../../src/console/token-actions.js";
import type { TokenScope } from "../../src/store/api-token-store.js";
import type { Store } from "../../src/store/store.js";

/**
 * The API in-process on a loopback port over the test's store (no SSO provider: issued tokens
 * only). `token` issues one as a console admin would; `get` calls a route with it.
 */
export async function startApiServer(store: Store) {
  const api = createApi({
    store,
    env: { sessionSecret: "s".repeat(32) },
    metrics: undefined as never,
    config: parseServerConfig("", "test"),
    githubWebUrl: "https://github.com",
    wake: () => undefined,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    sso: new Map(),
    enabled: true,
    maxTokenDays: 365,
  });
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?", 1)[0] ?? "/";
    void api(req, res, path).then((handled) => handled || res.writeHead(404).end());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const admin: Principal = { actor: "root", via: "the console", access: new Map(), admin: true, mayPause: true, granted: false };
  return {
    base,
    async token(scopes: TokenScope[], repos: string[] = []): Promise<string> {
      const r = await issueToken(store, admin, { name: "t", scopes, repos, expires_in_days: 1 }, 365);
      if (!r.ok) throw new Error(r.error);
      return r.token;
    },
    get: (path: string, token: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } }),
    async stop() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
