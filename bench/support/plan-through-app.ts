import type { SimRepo } from "../../test/simulator/github-simulator.js";
import type { BenchApp } from "./start-bench-app.js";
import { waitIdle } from "./jobs-db.js";

export interface AppPlanRun {
  /** Signed `pull_request.opened` sent → `sluice/plan` check completed (after the final comment edit). */
  ms: number;
  /** Where the time went, from the simulator's call records (ms). */
  phases: { fetched: number; toRunning: number; planning: number; finishing: number };
  pr: number;
  headSha: string;
}

interface CallBody {
  status?: string;
}

/**
 * Pushes `files` to a new branch, opens a PR (the clock starts when the signed delivery goes out),
 * waits for the completed `sluice/plan` check, checks its conclusion and title, and by default
 * closes the PR and waits for the cleanup job so the next run starts from the same state.
 */
export async function planThroughApp(
  app: BenchApp,
  repo: SimRepo,
  opts: { branch: string; files: Record<string, string>; expectTitle: string; close?: boolean; timeoutMs?: number },
): Promise<AppPlanRun> {
  const { sim } = app;
  await sim.pushBranch(repo, { branch: opts.branch, files: opts.files });
  const pr = await sim.openPullRequest(repo, { head: opts.branch, author: "alice", title: opts.branch });
  if (pr.delivery.status !== 202) throw new Error(`pull_request.opened answered ${pr.delivery.status}: ${pr.delivery.body}`);
  const sent = sim.deliveries.find((d) => d.deliveryId === pr.delivery.deliveryId);
  if (!sent) throw new Error("the simulator did not record the delivery");
  const t0 = sent.at;

  const completed = () => sim.checkRuns(repo, pr.headSha).find((c) => c.name === "sluice/plan" && c.status === "completed");
  await sim.waitFor(() => completed() !== undefined, {
    timeoutMs: opts.timeoutMs ?? 900_000,
    message: `no completed sluice/plan check for #${pr.number}\n${app.tail()}`,
  });
  const check = completed();
  if (!check) throw new Error("unreachable");
  if (check.conclusion !== "success" || !check.output.title?.includes(opts.expectTitle)) {
    throw new Error(`#${pr.number}: check ${check.conclusion} "${check.output.title}", expected success "${opts.expectTitle}"`);
  }

  const checkPath = `/check-runs/${check.id}`;
  const calls = sim.calls.filter((c) => c.at >= t0);
  const checkCalls = calls.filter((c) => c.path.endsWith(checkPath) || (c.method === "POST" && c.path.endsWith("/check-runs")));
  const end = checkCalls.find((c) => (c.body as CallBody | undefined)?.status === "completed");
  const running = checkCalls.find((c) => (c.body as CallBody | undefined)?.status === "in_progress");
  if (!end || !running) throw new Error(`#${pr.number}: check run calls not found in the simulator's records`);
  const lastComment = calls.filter((c) => c.at <= end.at && c.method !== "GET" && c.path.includes("/issues/")).at(-1);
  const finalCommentAt = lastComment?.at ?? end.at;
  const lastGit = calls.filter((c) => c.kind === "git" && c.at <= running.at).at(-1);
  const run: AppPlanRun = {
    ms: end.at - t0,
    phases: {
      fetched: (lastGit?.at ?? t0) - t0,
      toRunning: running.at - t0,
      planning: finalCommentAt - running.at,
      finishing: end.at - finalCommentAt,
    },
    pr: pr.number,
    headSha: pr.headSha,
  };
  if (opts.close !== false) {
    await sim.closePullRequest(repo, pr.number);
    await waitIdle(app.dataDir);
  }
  return run;
}
