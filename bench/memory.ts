import type { SimRepo } from "../test/simulator/github-simulator.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Figure, figure } from "./support/figure.js";
import { waitIdle } from "./support/jobs-db.js";
import { runIfMain } from "./support/run-if-main.js";
import { sampleMemory } from "./support/sample-memory.js";
import { type BenchApp, descendantPids, processMemory, spawnerPid, startBenchApp } from "./support/start-bench-app.js";
import { mb } from "./support/stats.js";
import { SPAWNER_IDLE_MS } from "../runners/spawner/spawner.js";
import { projectName, tfData } from "./support/tf-repo-files.js";

const PROJECTS = 20;
const RESOURCES = 20;

function change(tag: string, only?: number): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < PROJECTS; i++) {
    if (only === undefined || only === i) files[`${projectName(i)}/main.tf`] = tfData(projectName(i), RESOURCES, tag);
  }
  return files;
}

const completedPlans = (app: BenchApp, repo: SimRepo, sha: string) =>
  app.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/plan" && c.status === "completed");

async function waitForPlans(app: BenchApp, repo: SimRepo, sha: string, count: number): Promise<void> {
  await app.sim.waitFor(() => completedPlans(app, repo, sha).length >= count, {
    timeoutMs: 600_000,
    message: `waiting for ${count} completed plans on ${sha}\n${app.tail()}`,
  });
  const failed = completedPlans(app, repo, sha).filter((c) => c.conclusion !== "success");
  if (failed.length) throw new Error(`plan failed: ${failed[0]?.output.title}\n${app.tail()}`);
}

/** 20 PRs opened at once, one project each: 20 plan jobs and (parallel: 20) 20 terraform plans at once. */
async function concurrentPlans(app: BenchApp, repo: SimRepo): Promise<void> {
  const branches = Array.from({ length: PROJECTS }, (_, i) => `c${i}`);
  for (const [i, branch] of branches.entries()) await app.sim.pushBranch(repo, { branch, files: change("c", i) });
  const prs = await Promise.all(branches.map((head) => app.sim.openPullRequest(repo, { head, author: "alice" })));
  await Promise.all(prs.map((pr) => waitForPlans(app, repo, pr.headSha, 1)));
  for (const pr of prs) await app.sim.closePullRequest(repo, pr.number);
  await waitIdle(app.dataDir);
}

/** One PR touching all 20 projects: autoplan, then `replans` × `/plan`, then close: 20 × (1 + replans) plans. */
async function planRound(app: BenchApp, repo: SimRepo, round: number, replans: number): Promise<number> {
  const branch = `round-${round}`;
  await app.sim.pushBranch(repo, { branch, files: change(`r${round}`) });
  const pr = await app.sim.openPullRequest(repo, { head: branch, author: "alice" });
  await waitForPlans(app, repo, pr.headSha, 1);
  for (let k = 1; k <= replans; k++) {
    await app.sim.comment(repo, pr.number, { user: "alice", body: "/plan" });
    await waitForPlans(app, repo, pr.headSha, 1 + k);
  }
  await app.sim.closePullRequest(repo, pr.number);
  await waitIdle(app.dataDir);
  return PROJECTS * (1 + replans);
}

async function settledRss(pid: number): Promise<number> {
  await new Promise((r) => setTimeout(r, 3_000));
  return processMemory(pid).rssMb;
}

/**
 * Figure 4: the RSS of the app and its spawner process (/proc/<pid>/status) at their peak during
 * 20 concurrent plans, and the app's own after 1,000 plans (50 × a 20-project plan: PRs opened, re-planned with `/plan`,
 * closed), against its RSS right after start.
 */
export async function memory(opts: BenchOptions): Promise<Figure[]> {
  const totalPlans = opts.quick ? 200 : 1000;
  const app = await startBenchApp({ serverConfig: `parallel: ${PROJECTS}\n` });
  try {
    const start = await settledRss(app.pid);
    const treeRss = () => {
      const pids = descendantPids(app.pid);
      return { count: pids.length, mb: pids.reduce((sum, p) => sum + (processMemory(p).rssMb || 0), processMemory(app.pid).rssMb) };
    };
    const atStart = treeRss();
    // Idle: the start-up's tool checks done and their spawners let go (SPAWNER_IDLE_MS).
    await new Promise((r) => setTimeout(r, SPAWNER_IDLE_MS + 5_000));
    const idle = treeRss();
    const files: Record<string, string> = { "README.md": "# memory\n" };
    for (let i = 0; i < PROJECTS; i++) files[`${projectName(i)}/main.tf`] = tfData(projectName(i), 1);
    const repo = await app.sim.createRepo({ owner: "acme", name: "memory", files });
    // The sequential rounds are `/plan` comments: commands need write access (plan_permission).
    app.sim.setPermission(repo, "alice", "write");

    console.error(`memory: RSS after start ${mb(start)}; 20 PRs opened at once (20 concurrent plans, parallel 20)`);
    // Sluice is the app and its spawner: the peak is of both (the tools they start are not counted).
    const sampler = sampleMemory(app.pid, 25, () => [spawnerPid(app.pid)]);
    await concurrentPlans(app, repo);
    const peak = sampler.stop();

    console.error(`memory: ${totalPlans} plans in rounds of 100 (autoplan + 4 × /plan of 20 projects)`);
    let done = 0;
    let afterFirst100 = Number.NaN;
    const t0 = performance.now();
    for (let round = 0; done < totalPlans; round++) {
      done += await planRound(app, repo, round, 4);
      if (round === 0) afterFirst100 = processMemory(app.pid).rssMb;
      console.error(`  ${done} plans, RSS ${mb(processMemory(app.pid).rssMb)}, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }
    const end = await settledRss(app.pid);
    const spawner = spawnerPid(app.pid);
    const spawnerRss = spawner === undefined ? Number.NaN : processMemory(spawner).rssMb;
    const growth = (end / start - 1) * 100;
    const warmGrowth = (end / afterFirst100 - 1) * 100;
    return [
      figure(
        "memory.peak RSS 20 concurrent plans",
        peak,
        "MB",
        { max: 300, strict: true, label: "< 300 MB" },
        `the app and its spawner together, sampled every 25 ms; the app's RSS after start ${mb(start)}`,
      ),
      figure(
        `memory.RSS growth after ${done} plans`,
        growth,
        "%",
        { max: 10, label: "≤ 10 %" },
        `the app's own process: RSS after start ${mb(start)} → ${mb(end)}`,
      ),
      figure(
        "memory.idle RSS of the tree",
        idle.mb,
        "MB",
        undefined,
        `the app and every process under it (${idle.count} besides it), ${(SPAWNER_IDLE_MS + 8_000) / 1000} s after start, as the image runs it (no npm wrapper); 3 s after start: ${mb(atStart.mb)} with ${atStart.count} besides the app`,
      ),
      figure("memory.spawner RSS after the plans", spawnerRss, "MB", undefined, "the spawner process that starts the tools"),
      figure(
        `memory.RSS growth 100→${done} plans`,
        warmGrowth,
        "%",
        undefined,
        `RSS after the first 100 plans ${mb(afterFirst100)} → ${mb(end)}`,
      ),
    ];
  } finally {
    await app.stop();
  }
}

runIfMain(import.meta.url, memory);
