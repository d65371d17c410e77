import { randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { join, resolve } from "node:path";
import { startSimulator } from "../test/simulator/github-simulator.js";
import { createTestDatabase, startPostgres } from "../test/support/postgres.js";
import { type AppProcess, removeDir, startApp } from "../test/support/start-app.js";
import type { BenchOptions } from "./support/bench-options.js";
import { atLeast, type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { buildOnce } from "./support/start-bench-app.js";
import { sec } from "./support/stats.js";
import { flatRepo, projectName, tfData } from "./support/tf-repo-files.js";
import { simulatorAppEnv } from "../test/simulator/app-env.js";

type Sim = Awaited<ReturnType<typeof startSimulator>>;

/** The compiled entry point, as `npm start` runs it (built once per bench process). */
const ENTRY = join(resolve(import.meta.dirname, ".."), "dist/src/main.js");

/**
 * Issue #17: plans per minute with 1 and with 2 replica processes on one PostgreSQL, the same
 * workload each time (M PRs opened at once, each changing K terraform_data projects of its own),
 * from the first `pull_request.opened` sent to the last completed `sluice/plan` check.
 *
 * Each replica stands in for a host of its own: it is pinned to its share of the CPUs (`taskset`:
 * replica 1 the first half, replica 2 the second; the lone replica the first half too) with
 * `parallel` = that share, and everything it starts (spawner, sandboxes, Terraform) inherits the
 * pinning. Unpinned, one replica's Terraform and Node threads already spread over every core
 * (Terraform's Go runtime runs on all of them), and a second replica on the same cores could only
 * take turns with it. PostgreSQL, the GitHub simulator and this process are not pinned: with two
 * replicas they compete with both for CPU, which only counts against the figure.
 */
export async function replicaThroughput(opts: BenchOptions): Promise<Figure[]> {
  const prs = opts.quick ? 4 : 12;
  const perPr = opts.quick ? 3 : 5;
  const parallel = Math.max(1, Math.floor(cpus().length / 2));
  // The CPU list of replica i: its half of the machine (none on a 1-CPU machine: nothing to split).
  const share = (i: number) => (cpus().length >= 2 ? Array.from({ length: parallel }, (_, k) => i * parallel + k).join(",") : undefined);
  await buildOnce();
  const server = await startPostgres();
  const secret = `whsec-${randomBytes(12).toString("hex")}`;
  const sim = await startSimulator({ webhookSecret: secret });
  const env = {
    ...simulatorAppEnv(sim, secret),
    NODE_ENV: "production",
    LOG_LEVEL: "warn",
  };
  const run = async (replicas: number, tag: string) => {
    const db = await createTestDatabase(server.url);
    const apps: AppProcess[] = [];
    try {
      for (let i = 0; i < replicas; i++) {
        apps.push(
          await startApp({ env: { ...env, DATABASE_URL: db.url }, serverConfig: `parallel: ${parallel}\n`, entry: ENTRY, cpus: share(i) }),
        );
      }
      sim.setWebhookTargets(apps.map((a) => a.url));
      return await planBurst(sim, tag, prs, perPr, apps);
    } finally {
      for (const app of apps) await app.kill("SIGTERM");
      for (const app of apps) await removeDir(app.dataDir);
      await db.stop();
    }
  };
  try {
    console.error(`replicas: ${prs} PRs × ${perPr} projects, parallel ${parallel} per replica; a warm-up, then 1 and 2 replicas`);
    await run(1, "warm");
    const one = await run(1, "one");
    const two = await run(2, "two");
    const perMin = (ms: number) => (prs * perPr * 60_000) / ms;
    const ratio = perMin(two) / perMin(one);
    const shape = `${prs} PRs × ${perPr} projects, parallel ${parallel} per replica, each pinned to half of ${cpus().length} CPUs`;
    return [
      atLeast(
        "replicas.throughput 2 vs 1",
        ratio,
        "x",
        1.8,
        `1 replica ${perMin(one).toFixed(1)} plans/min (${sec(one)}), 2 replicas ${perMin(two).toFixed(1)} plans/min (${sec(two)}); ${shape}`,
      ),
      figure("replicas.plans/min 2 replicas", perMin(two), "/min", undefined, `same run; ${shape}`),
    ];
  } finally {
    await sim.stop();
    await server.stop();
  }
}

/** Opens `prs` PRs at once, each changing `perPr` projects of its own; ms until every plan check has completed. */
async function planBurst(sim: Sim, tag: string, prs: number, perPr: number, apps: readonly AppProcess[]): Promise<number> {
  const repo = await sim.createRepo({ owner: "acme", name: `replicas-${tag}`, files: flatRepo(prs * perPr) });
  for (let p = 0; p < prs; p++) {
    const files: Record<string, string> = {};
    for (let j = p * perPr; j < (p + 1) * perPr; j++) files[`${projectName(j)}/main.tf`] = tfData(projectName(j), 2, tag);
    await sim.pushBranch(repo, { branch: `c${p}`, files });
  }
  const t0 = Date.now();
  const opened = await Promise.all(
    Array.from({ length: prs }, (_, p) => sim.openPullRequest(repo, { head: `c${p}`, author: "alice", title: `c${p}` })),
  );
  for (const pr of opened) {
    if (pr.delivery.status === 202) continue;
    // What the replicas logged as errors: why the delivery was not taken.
    const errors = apps.flatMap((a) =>
      a
        .output()
        .split("\n")
        .filter((l) => /"level":(50|60)/.test(l)),
    );
    throw new Error(
      `pull_request.opened answered ${pr.delivery.status} (${pr.delivery.body}); the replicas' errors: ${errors.join("\n") || "none"}`,
    );
  }
  const done = () => opened.map((pr) => sim.checkRuns(repo, pr.headSha).find((c) => c.name === "sluice/plan" && c.status === "completed"));
  await sim.waitFor(() => done().every(Boolean), { timeoutMs: 900_000, message: `replicas ${tag}: plans did not complete` });
  const ms = Date.now() - t0;
  const want = `+${2 * perPr} ~0 -0 in ${perPr} projects`;
  for (const check of done()) {
    if (check?.conclusion !== "success" || !check.output.title?.includes(want)) {
      throw new Error(`replicas ${tag}: check ${check?.conclusion} "${check?.output.title}", expected success "${want}"`);
    }
  }
  return ms;
}

runIfMain(import.meta.url, replicaThroughput);
