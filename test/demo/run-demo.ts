/**
 * `npm run demo`: Sluice against the GitHub simulator, with no GitHub account. Starts the
 * simulator and the real app, creates a repo with two Terraform projects, and walks through what
 * Sluice does on pull requests: a plan that leaves the untouched project alone, a second PR told
 * who holds the lock, an `/apply` refused for a missing approval, then the approval and the apply,
 * and the waiting PR planned again once the first one merges. Exits non-zero when a step does not
 * end as it should (a failed plan first of all), printing what Sluice said.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type Harness, startHarness, statefulProject, tfProject } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];
type CheckRun = ReturnType<Harness["sim"]["checkRuns"]>[number];

const line = (s = "") => process.stdout.write(`${s}\n`);

class DemoFailure extends Error {}

async function main(): Promise<void> {
  line("Starting the GitHub simulator and Sluice (src/main.ts)…");
  const h = await startHarness({ serverConfig: "apply_requirements: [approved]\n" });
  try {
    await walkThrough(h);
  } finally {
    await h.stop();
  }
}

/** Waits for the n-th completed run of a check on a commit (runs of earlier commands count too). */
async function completedCheck(h: Harness, repo: Repo, sha: string, name: string, nth = 1): Promise<CheckRun> {
  const done = () => h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
  await h.sim.waitFor(() => done().length >= nth, { timeoutMs: 90_000, message: `no ${name} result within 90 s` });
  return done()[nth - 1] as CheckRun;
}

function lastBotComment(h: Harness, repo: Repo, pr: number): string {
  return (
    h.sim
      .comments(repo, pr)
      .filter((c) => c.user === "sluice[bot]")
      .at(-1)?.body ?? "(no comment)"
  );
}

/** A job's comment says ⏳ queued or 🔄 running until it ends. */
const unsettled = (body: string) => body.includes("⏳ queued") || body.includes("🔄 running");

/**
 * Sluice's last comment on a pull request once it no longer says queued or running: a job
 * completes its check a moment before it edits its comment.
 */
async function settledBotComment(h: Harness, repo: Repo, pr: number): Promise<string> {
  await h.sim.waitFor(() => !unsettled(lastBotComment(h, repo, pr)), {
    timeoutMs: 60_000,
    message: `Sluice's comment on #${pr} still says queued or running after 60 s`,
  });
  return lastBotComment(h, repo, pr);
}

/** Stops the demo with what Sluice posted when a step did not end as expected. */
function expectStep(ok: boolean, what: string, h: Harness, repo: Repo, pr: number): void {
  if (ok) return;
  line();
  line(`✗ ${what}. Sluice's comment on #${pr}:`);
  line(lastBotComment(h, repo, pr));
  throw new DemoFailure(what);
}

async function walkThrough(h: Harness): Promise<void> {
  // The network's local state lives in a dir the server lets runs keep (SLUICE_SANDBOX_PATHS):
  // a state written anywhere else would be gone with the run's sandbox.
  const stateDir = await mkdtemp(join(h.stateDir, "demo-"));
  try {
    await walkThroughWith(h, join(stateDir, "network.tfstate"));
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The resource addresses the state file holds (what the apply left, read as terraform wrote it). */
async function stateAddresses(file: string): Promise<string[]> {
  const text = await readFile(file, "utf8").catch(() => "");
  if (!text) return [];
  const state = JSON.parse(text) as { resources?: { type: string; name: string; instances: { index_key?: number | string }[] }[] };
  return (state.resources ?? []).flatMap((r) =>
    r.instances.map((i) => `${r.type}.${r.name}${i.index_key === undefined ? "" : `[${i.index_key}]`}`),
  );
}

async function walkThroughWith(h: Harness, state: string): Promise<void> {
  for (const user of ["alice", "bob", "carol"]) h.sim.setPermission("acme/infra", user, "write");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name: "infra",
    files: {
      "network/main.tf": statefulProject("vpc", state, 1),
      "dns/main.tf": tfProject("zone", 1),
      "README.md": "# acme infra\n",
    },
  });

  line();
  line("1. alice opens a pull request that grows the network (dns/ is not touched).");
  await h.sim.pushBranch(repo, { branch: "grow-network", files: { "network/main.tf": statefulProject("vpc", state, 3) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow-network", author: "alice", title: "Grow the network" });
  line(`   Opened ${repo.fullName}#${pr.number}: webhook answered ${pr.delivery.status} in ${pr.delivery.ms} ms`);
  const plan = await completedCheck(h, repo, pr.headSha, "sluice/plan");
  expectStep(
    plan.conclusion === "success",
    `the plan of #${pr.number} failed (${plan.output.title ?? plan.conclusion})`,
    h,
    repo,
    pr.number,
  );
  const planComment = await settledBotComment(h, repo, pr.number);
  expectStep(!planComment.includes("dns"), "the plan touched dns/, which the PR does not change", h, repo, pr.number);
  line(`   sluice/plan: ${plan.conclusion} — ${plan.output.title ?? ""}; dns was left alone.`);

  line();
  line("2. carol opens another pull request that changes the network too.");
  await h.sim.pushBranch(repo, { branch: "network-tags", files: { "network/main.tf": statefulProject("vpc", state, 2) } });
  const other = await h.sim.openPullRequest(repo, { head: "network-tags", author: "carol", title: "Tag the network" });
  const locked = await completedCheck(h, repo, other.headSha, "sluice/plan");
  const lockedComment = await settledBotComment(h, repo, other.number);
  // Sluice puts a zero-width space after `#` in text so GitHub does not link or notify.
  const lockedBy = new RegExp(`locked by #\u200b?${pr.number}\\b`);
  expectStep(lockedBy.test(lockedComment), `#${other.number} was not told who holds the lock`, h, repo, other.number);
  line(`   sluice/plan on #${other.number}: ${locked.conclusion} — the network is locked by #${pr.number}.`);

  line();
  line(`3. bob comments /apply on #${pr.number} before anyone approved it.`);
  await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
  const refused = await completedCheck(h, repo, pr.headSha, "sluice/apply");
  const refusal = await settledBotComment(h, repo, pr.number);
  expectStep(
    refused.conclusion === "failure" && refusal.includes("approval"),
    "the unapproved /apply was not refused for the missing approval",
    h,
    repo,
    pr.number,
  );
  line(`   sluice/apply: ${refused.conclusion} — refused: it needs an approval.`);

  line();
  line(`4. bob approves #${pr.number} and comments /apply again.`);
  await h.sim.approve(repo, pr.number, "bob");
  await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
  const applied = await completedCheck(h, repo, pr.headSha, "sluice/apply", 2);
  expectStep(applied.conclusion === "success", "the approved /apply did not succeed", h, repo, pr.number);
  const held = await stateAddresses(state);
  expectStep(
    held.length === 3,
    `the state file does not hold the 3 resources the apply reported (it holds ${held.length})`,
    h,
    repo,
    pr.number,
  );
  line(`   sluice/apply: ${applied.conclusion} — ${applied.output.title ?? ""}.`);
  line(`   The state file ${state} now holds ${held.length} resources (${held.join(", ")}).`);

  line();
  line(`5. #${pr.number} merges: its lock is released and #${other.number} is planned again by itself.`);
  await h.sim.mergePullRequest(repo, pr.number);
  const replanned = await completedCheck(h, repo, other.headSha, "sluice/plan", 2);
  expectStep(
    replanned.conclusion === "success",
    `#${other.number} was not planned again after the lock was released`,
    h,
    repo,
    other.number,
  );
  // carol's branch keeps 2 of the 3 resources the first PR applied: one destroy, nothing created again.
  expectStep(
    /\+0 ~0 -1/.test(replanned.output.title ?? ""),
    `#${other.number}'s new plan is not the one destroy the applied state calls for (${replanned.output.title ?? ""})`,
    h,
    repo,
    other.number,
  );
  line(
    `   sluice/plan on #${other.number}: ${replanned.conclusion} — ${replanned.output.title ?? ""}: planned against the state #${pr.number} applied.`,
  );

  for (const number of [pr.number, other.number]) {
    await settledBotComment(h, repo, number);
    for (const c of h.sim.comments(repo, number)) {
      line();
      line(`──────── #${number}: comment by @${c.user} ${c.history.length > 1 ? `(edited ${c.history.length - 1} times)` : ""}`);
      line(c.body);
    }
  }
}

main().catch((e: unknown) => {
  if (!(e instanceof DemoFailure)) console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
  else console.error(`demo failed: ${e.message}`);
  process.exit(1);
});
