import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

// `/import` and `/state rm` are applies at the gate: their writer must still be allowed when the
// gate decides (inside the project's run lock), not only when the job started. The job's read of
// the pull request's reviews (after it asked who wrote the command, before the gate) is held while
// bob is made read-only.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let stateDir: string;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\nallow_checkout_state: false\n" });
  stateDir = await mkdtemp(join(h.stateDir, "sluice-import-revoked-"));
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function importWhile(name: string, meanwhile: (repo: Repo) => void) {
  const state = join(stateDir, `${name}.tfstate`);
  h.sim.setPermission(`acme/${name}`, "bob", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "adopt", files: { "net/main.tf": statefulProject("net", state, 1) } });
  const pr = await h.sim.openPullRequest(repo, { head: "adopt", author: "bob" });
  await h.sim.waitFor(() => /Plan: 1 to add/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });
  const hold = { release: () => {}, arrived: false };
  h.sim.failNext({
    method: "GET",
    pathPattern: new RegExp(`^/repos/${repo.fullName}/pulls/${pr.number}/reviews`),
    holdUntil: new Promise<void>((r) => {
      hold.release = r;
    }),
    onHeld: () => {
      hold.arrived = true;
    },
  });
  const before = bot(repo, pr.number).length;
  await h.sim.comment(repo, pr.number, { user: "bob", body: "/import -d net terraform_data.net_0 existing-id" });
  await h.sim.waitFor(() => hold.arrived, { message: "the /import never read the reviews", timeoutMs: 60_000 });
  meanwhile(repo);
  hold.release();
  await h.sim.waitFor(() => /·\s*(✅|❌|⛔)/.test(bot(repo, pr.number)[before]?.body ?? ""), {
    message: "no finished reply to /import",
    timeoutMs: 90_000,
  });
  return { reply: (bot(repo, pr.number)[before]?.body ?? "").replaceAll("\u200b", ""), state };
}

describe("/import whose writer loses write access while its job runs", () => {
  it("imports nothing, and says why", async () => {
    const { reply, state } = await importWhile("import-revoked", (repo) => h.sim.setPermission(repo, "bob", "read"));
    expect(await stateResources(state)).toEqual([]);
    expect(reply).toMatch(/bob needs write access/);
  }, 180_000);

  it("control: bob keeps write access, the import is done", async () => {
    const { reply, state } = await importWhile("import-kept", () => undefined);
    expect(reply).toContain("✅ done");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  }, 180_000);
});
