import type { ConsoleDeps } from "../../src/console/console-context.js";
import { openStore } from "../../src/store/open-store.js";
import type { Store } from "../../src/store/store.js";
import { createGitHubSignIn } from "../../src/vcs/github/github-sign-in.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";
import { startConsoleServer } from "./console-server.js";

export type GitHubConsole = { sim: Simulator; store: Store; base: string; stop(): Promise<void> };

/**
 * The console in-process with its GitHub sign-in against a started simulator that holds
 * `acme/<name>` for each of `repos` (one Terraform project, `net`), over a SQLite store in
 * `dataDir` (the caller's: made while its file is collected). `deps` adds to the console's quiet
 * defaults. Who may read what is the simulator's to say: `sim.setPermission`.
 */
export async function startGitHubConsole(dataDir: string, repos: string[], deps: Partial<ConsoleDeps> = {}): Promise<GitHubConsole> {
  const sim = await startSimulator({ webhookSecret: "whsec-console" });
  for (const name of repos) await sim.createRepo({ owner: "acme", name, files: { "net/main.tf": "" } });
  const store = await openStore(undefined, dataDir);
  const oauth = { clientId: sim.oauthClientId, clientSecret: sim.oauthClientSecret };
  const server = await startConsoleServer((url) => ({
    store,
    env: { publicUrl: url, oauth, sessionSecret: "s".repeat(32) },
    signIn: createGitHubSignIn({ ...oauth, baseUrl: `http://${sim.host}/api/v3` }),
    githubWebUrl: `http://${sim.host}`,
    ...deps,
  }));
  return {
    sim,
    store,
    base: server.base,
    async stop() {
      await server.stop();
      await store.close();
      await sim.stop();
    },
  };
}
