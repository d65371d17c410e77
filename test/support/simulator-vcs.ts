import pino from "pino";
import { createGitHubApp } from "../../src/vcs/github/github-app.js";
import { createGitHubVcs } from "../../src/vcs/github/github-vcs.js";
import type { VcsClient } from "../../src/vcs/vcs-client.js";
import { startSimulator, type Simulator } from "../simulator/github-simulator.js";

/**
 * The simulator, and the app's GitHub adapter on its installation as the server builds it (the App
 * `sluice`), retrying nothing: an adapter test reads GitHub's first answer.
 */
export async function simulatorVcs(): Promise<{ sim: Simulator; vcs: VcsClient }> {
  const sim = await startSimulator({ webhookSecret: "s", appSlug: "sluice" });
  const github = createGitHubApp(
    { appId: String(sim.appId), privateKey: sim.privateKeyPem, baseUrl: `${sim.url}/api/v3` },
    pino({ level: "silent" }),
  );
  const vcs = createGitHubVcs(await github.installation(sim.installationId), {
    retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
    requestTimeoutMs: 10_000,
    appSlug: async () => "sluice",
  });
  return { sim, vcs };
}
