import { join } from "node:path";
import { type Harness, statefulProject } from "../support/harness.js";
import { bot, completed, type Repo } from "./trust-holes-support.js";

// Shared by the tests of what changes while a pull request's projects are applied one after
// another (approval-withdrawn-mid-apply, access-revoked-mid-apply): each project passes the gate
// inside its run lock, so what is withdrawn while the first applies must stop the second.

/** acme/NAME with projects `net` and `app` applied one at a time, and a PR growing both, planned; `writers` may write. */
export async function twoProjectsPlanned(h: Harness, name: string, writers: readonly string[]) {
  for (const u of writers) h.sim.setPermission(`acme/${name}`, u, "write");
  const net = join(h.stateDir, `${name}-net.tfstate`);
  const app = join(h.stateDir, `${name}-app.tfstate`);
  const config = "version: 1\nparallel_apply: false\nprojects:\n  - name: net\n    dir: net\n  - name: app\n    dir: app\n";
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": config, "net/main.tf": statefulProject("net", net, 0), "app/main.tf": statefulProject("app", app, 0) },
  });
  await h.sim.pushBranch(repo, {
    branch: "grow",
    files: { "net/main.tf": statefulProject("net", net, 1), "app/main.tf": statefulProject("app", app, 1) },
  });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow both" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return { repo, pr, net, app };
}

/**
 * alice's `/apply`; `meanwhile` runs while the first project's apply holds (its Deployment asked
 * for), after its gate. Returns the finished reply, zero-width spaces removed.
 */
export async function applyWhile(h: Harness, repo: Repo, number: number, meanwhile: () => unknown): Promise<string> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((r) => {
    release = r;
  });
  let heldOnce: () => void = () => undefined;
  const held = new Promise<void>((r) => {
    heldOnce = r;
  });
  h.sim.failNext({ method: "POST", pathPattern: /\/deployments$/, holdUntil: released, onHeld: () => heldOnce(), times: 1 });
  const before = bot(h, repo, number).length;
  await h.sim.comment(repo, number, { user: "alice", body: "/apply" });
  await held;
  await meanwhile();
  release();
  await h.sim.waitFor(() => /·\s*(✅|❌|⛔|⚠️)/.test(bot(h, repo, number)[before]?.body ?? ""), {
    message: "no finished reply",
    timeoutMs: 90_000,
  });
  return (bot(h, repo, number)[before]?.body ?? "").replaceAll("\u200b", "");
}
