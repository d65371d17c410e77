import Database from "better-sqlite3";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { JobSpec, JobTarget } from "../src/model/job.js";
import { openSqliteStore } from "../src/store/sqlite-store.js";
import type { BenchOptions } from "./support/bench-options.js";
import { type Figure, figure } from "./support/figure.js";
import { runIfMain } from "./support/run-if-main.js";
import { median } from "./support/stats.js";

/** A burst as a busy org sends it: 500 jobs queued before the worker takes the first. */
const QUEUED = 500;
/** Jobs that run at once before the oldest is done (the worker's bound on SQLite is 32). */
const RUNNING = 30;

const target = (pr: number): JobTarget => ({
  installationId: 1,
  repo: { owner: "acme", name: `repo-${pr % 7}` },
  cloneUrl: "https://example.test/acme/repo.git",
  pr,
  payloadHeadSha: "a".repeat(40),
});
const spec: JobSpec = { kind: "plan", trigger: "autoplan", actor: "octocat" };

/**
 * What a fair claim costs: the store's claimNextJob (the PR, then the repository with the fewest
 * running jobs first, then age) taking a burst of queued jobs, 30 running at a time, against a
 * plain oldest-first claim (the same UPDATE, through its own connection) over the same rows on
 * the same SQLite file, which of the two goes first alternating. Two shapes: one PR's burst, and
 * the same burst spread over 40 PRs in 7 repositories.
 */
export async function queueClaim(opts: BenchOptions): Promise<Figure[]> {
  const rounds = opts.quick ? 1 : 3;
  const dir = await mkdtemp(join(tmpdir(), "sluice-bench-claim-"));
  const figures: Figure[] = [];
  try {
    for (const [shape, prOf] of [
      ["one PR", () => 1],
      ["40 PRs", (i: number) => 1 + (i % 40)],
    ] as const) {
      const fair: number[] = [];
      const fifo: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const file = join(dir, `claim-${shape.replace(" ", "-")}-${r}.db`);
        // No fsync per write on either side: only the claims' CPU is compared.
        const store = openSqliteStore(file, { durability: "normal" });
        const raw = new Database(file);
        try {
          for (let i = 0; i < QUEUED; i++) await store.recordDelivery(`d-${r}-${i}`, "pull_request", { target: target(prOf(i)), spec });
          const claimAll = async (claim: () => Promise<{ id: number } | undefined>) => {
            const running: number[] = [];
            const t0 = performance.now();
            for (let job = await claim(); job; job = await claim()) {
              running.push(job.id);
              if (running.length >= RUNNING) await store.updateJob(running.shift() as number, { status: "done" });
            }
            return performance.now() - t0;
          };
          // The same UPDATE as the store's claim (attempts, owner, time, every column back), oldest first.
          const oldest = raw.prepare(
            `UPDATE jobs SET status = 'running', attempts = attempts + 1, owner = 'bench', updated_at = ?
             WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1) RETURNING *`,
          );
          const sides = [
            async () => fair.push(await claimAll(() => store.claimNextJob())),
            async () => fifo.push(await claimAll(async () => oldest.get(new Date().toISOString()) as { id: number } | undefined)),
          ];
          // Which goes first alternates: the second finds a file the first has warmed.
          for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
            raw.exec("UPDATE jobs SET status = 'queued'");
            await side();
          }
        } finally {
          raw.close();
          await store.close();
        }
      }
      const ratio = median(fair.map((f, i) => f / (fifo[i] as number)));
      figures.push(
        figure(
          `queue.fair claim vs oldest-first, ${QUEUED} queued, ${shape}`,
          ratio,
          "x",
          { max: 3, label: "≤ 3" },
          `${QUEUED} claims, ${RUNNING} running at a time: fair ${fair.map((t) => `${((t * 1000) / QUEUED).toFixed(0)} µs`).join(", ")} a claim / oldest-first ${fifo.map((t) => `${((t * 1000) / QUEUED).toFixed(0)} µs`).join(", ")}; median of ${rounds}`,
        ),
      );
    }
    return figures;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

runIfMain(import.meta.url, queueClaim);
