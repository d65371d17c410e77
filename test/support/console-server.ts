import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { ConsoleDeps } from "../../src/console/console-context.js";
import { createConsole } from "../../src/console/create-console.js";
import { createMetrics } from "../../src/console/metrics.js";

/** What a test gives the console: the store, and whatever it needs beyond the quiet defaults. */
export type TestConsoleDeps = Pick<ConsoleDeps, "store"> & Partial<ConsoleDeps>;

/**
 * The console in-process on a loopback port (its pages, sign-in and live logs; 404 for the rest),
 * over the test's store. `deps` gets the console's address (its public URL, for sign-in
 * redirects). `stop` ends the console and closes the server. `port`: one chosen before (an OpenID
 * provider registers the console's redirect URI before the console starts).
 */
export async function startConsoleServer(
  deps: (base: string) => TestConsoleDeps,
  port = 0,
): Promise<{ base: string; stop(): Promise<void> }> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const c = createConsole({
    env: { publicUrl: base, sessionSecret: "s".repeat(32) },
    metrics: createMetrics({
      stats: async () => ({
        queuedJobs: 0,
        runningJobs: 0,
        locks: 0,
        reconciled: { "check-orphaned": 0, "head-moved": 0, "pr-closed": 0 },
      }),
      driftChecks: async () => [],
    }),
    config: parseServerConfig("", "test"),
    githubWebUrl: "https://github.com",
    wake: () => undefined,
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
    ...deps(base),
  });
  server.on("request", (req, res) => void c.handle(req, res).then((handled) => handled || res.writeHead(404).end()));
  return {
    base,
    async stop() {
      c.stop();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}
