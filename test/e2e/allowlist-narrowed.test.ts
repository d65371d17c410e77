import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";

// "A repository that matches no plain glob and no entry gets nothing run" (server config `repos:`).
// Ingress ignores its webhooks; work queued without one (a drift schedule stored while it was
// listed, a job left queued at a restart) must not run for it either once the operator took it out.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

// Every 2 seconds: scheduled runs happen while the test watches.
const drift = 'drift:\n  schedule: "*/2 * * * * *"\n';
const opts = { serverConfig: `repos: ["acme/*"]\n${drift}` };
let h: Harness;
beforeAll(async () => {
  h = await startHarness(opts);
});
afterAll(async () => {
  await h?.stop();
});

const driftChecks = (repo: Repo) => h.sim.checkRuns(repo).filter((c) => c.name === "sluice/drift");

it("a repository taken out of the allowlist gets no more scheduled drift checks (control: one still listed does)", async () => {
  const gone = await h.sim.createRepo({ owner: "acme", name: "gone", files: { "net/main.tf": tfProject("net") } });
  const kept = await h.sim.createRepo({ owner: "acme", name: "kept", files: { "net/main.tf": tfProject("net") } });
  // A push to each default branch stores its schedule; both are checked while listed.
  await h.sim.pushDefaultBranch(gone, { "README.md": "gone\n" });
  await h.sim.pushDefaultBranch(kept, { "README.md": "kept\n" });
  for (const repo of [gone, kept])
    await h.sim.waitFor(() => driftChecks(repo).some((c) => c.status === "completed"), {
      message: `${repo.fullName} was never checked while listed`,
      timeoutMs: 60_000,
    });
  // The operator narrows the allowlist to acme/kept, and restarts.
  opts.serverConfig = `repos: ["acme/kept"]\n${drift}`;
  await h.restart({ signal: "SIGTERM" });
  const goneBefore = driftChecks(gone).length;
  const keptBefore = driftChecks(kept).length;
  // Control: the listed one is checked again, twice, by the schedule.
  await h.sim.waitFor(() => driftChecks(kept).filter((c) => c.status === "completed").length >= keptBefore + 2, {
    message: "the repository still listed was not checked after the restart",
    timeoutMs: 60_000,
  });
  expect(driftChecks(gone).length).toBe(goneBefore);
  expect(h.app.output()).toContain("not in the server's allowlist");
}, 180_000);
