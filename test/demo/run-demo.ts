/**
 * `npm run demo`: Sluice against the GitHub simulator, with no GitHub account. Starts the
 * simulator and the real app, creates a sample repo, opens a pull request, waits for the plan,
 * comments `/apply` after an approval, and prints what Sluice posted.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness, statefulProject, tfProject } from "../support/harness.js";

const line = (s = "") => process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  line("Starting the GitHub simulator and Sluice (src/main.ts)…");
  const h = await startHarness({ serverConfig: "apply_requirements: [approved]\n" });
  try {
    const state = join(await mkdtemp(join(tmpdir(), "sluice-demo-")), "network.tfstate");
    h.sim.setPermission("acme/infra", "alice", "write");
    h.sim.setPermission("acme/infra", "bob", "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "infra",
      files: {
        "network/main.tf": statefulProject("vpc", state, 1),
        "dns/main.tf": tfProject("zone", 1),
        "README.md": "# acme infra\n",
      },
    });
    await h.sim.pushBranch(repo, { branch: "grow-network", files: { "network/main.tf": statefulProject("vpc", state, 3) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow-network", author: "alice", title: "Grow the network" });
    line(`Opened ${repo.fullName}#${pr.number} (head ${pr.headSha.slice(0, 7)}): webhook answered ${pr.delivery.status} in ${pr.delivery.ms} ms`);
    const done = (name: string) => () =>
      h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === name && c.status === "completed");
    await h.sim.waitFor(done("sluice/plan"), { timeoutMs: 60_000, message: "no plan within 60 s" });
    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(done("sluice/apply"), { timeoutMs: 60_000, message: "no apply within 60 s" });

    for (const c of h.sim.comments(repo, pr.number)) {
      line();
      line(`──────── comment by @${c.user} ${c.history.length > 1 ? `(edited ${c.history.length - 1} times)` : ""}`);
      line(c.body);
    }
    line();
    for (const c of h.sim.checkRuns(repo, pr.headSha)) {
      line(`check ${c.name}: ${c.status} / ${c.conclusion} — ${c.output.title ?? ""}`);
    }
    line(`\nState file after apply: ${state}`);
  } finally {
    await h.stop();
  }
}

main().catch((e: unknown) => {
  console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
