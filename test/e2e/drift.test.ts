import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let stateDir: string;
let n = 0;

// Every 3 seconds: scheduled runs happen while the test watches, with no manual trigger.
const SERVER_CONFIG = `drift:\n  schedule: "*/3 * * * * *"\nallowed_overrides: [drift]\n`;

beforeAll(async () => {
  h = await startHarness({ serverConfig: SERVER_CONFIG });
  stateDir = await mkdtemp(join(tmpdir(), "sluice-drift-state-"));
});
afterAll(async () => {
  await h?.stop();
});

const driftIssues = (repo: Repo) => h.sim.issues(repo).filter((i) => i.labels.includes("sluice:drift"));
const driftChecks = (repo: Repo, sha?: string) => h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/drift" && c.status === "completed");

/** Waits for a completed sluice/drift check newer than the ones seen so far, and returns it. */
async function nextCheck(repo: Repo, sha: string, seen: number) {
  await h.sim.waitFor(() => driftChecks(repo, sha).length > seen, { message: `no drift check #${seen + 1} on ${sha.slice(0, 7)}`, timeoutMs: 60_000 });
  return driftChecks(repo, sha)[seen] as ReturnType<typeof driftChecks>[number];
}

async function newRepo(files: (state: string) => Record<string, string>) {
  n++;
  const state = join(stateDir, `net-${n}.tfstate`);
  const repo = await h.sim.createRepo({ owner: "acme", name: `drift-${n}`, files: files(state) });
  h.sim.setPermission(repo, "alice", "write");
  h.sim.setPermission(repo, "rita", "read");
  return { repo, state };
}

type StateFile = { serial: number; resources: { instances: { attributes: Record<string, { value: unknown } | unknown> }[] }[] };

/** Sets the `input` (and `output`) of every terraform_data in a local state file, as someone would by hand. */
async function editState(stateFile: string, from: string, to: string) {
  const state = JSON.parse(await readFile(stateFile, "utf8")) as StateFile;
  expect(await stateInput(stateFile)).toContain(from);
  for (const r of state.resources) {
    for (const i of r.instances) {
      for (const key of ["input", "output"]) {
        const attr = i.attributes[key] as { value: unknown } | undefined;
        if (attr && attr.value === from) attr.value = to;
      }
    }
  }
  state.serial += 1;
  await writeFile(stateFile, JSON.stringify(state, null, 2));
}

async function stateInput(stateFile: string): Promise<unknown[]> {
  const state = JSON.parse(await readFile(stateFile, "utf8")) as StateFile;
  return state.resources.flatMap((r) => r.instances.map((i) => (i.attributes.input as { value: unknown }).value));
}

describe("drift (pull mode)", () => {
  it("a commit without a PR is 'in git, not applied'; /apply on the issue applies it; a hand edit of the state is found, reported once, applied back, and the issue closes", async () => {
    const { repo, state } = await newRepo((s) => ({ "net/main.tf": statefulProject("net", s, 0) }));
    // A commit on main without a pull request: the push tells Sluice the repo and its schedule.
    const { sha } = await h.sim.pushDefaultBranch(repo, { "net/main.tf": statefulProject("net", state, 1) });
    const first = await nextCheck(repo, sha, 0);
    expect(first.conclusion).toBe("failure");
    expect(first.output.summary).toContain("in git, not applied");
    await h.sim.waitFor(() => driftIssues(repo).length === 1, { message: "no drift issue" });
    const issue = driftIssues(repo)[0] as ReturnType<typeof driftIssues>[number];
    expect(issue.title).toBe("Drift: project net");
    expect(issue.body).toContain("In git, not applied (1)");
    expect(issue.body).toContain("terraform_data.net_0");

    // /apply on the issue by someone without write access: refused, nothing applied.
    await h.sim.comment(repo, issue.number, { user: "rita", body: "/apply" });
    await h.sim.waitFor(() => h.sim.comments(repo, issue.number).some((c) => c.body.includes("Not applied")), { message: "no refusal" });
    expect(h.sim.comments(repo, issue.number).find((c) => c.body.includes("Not applied"))?.body).toContain("needs write access");

    // By alice: the plan the issue shows is applied, and the next run closes the issue.
    const seen = driftChecks(repo, sha).length;
    await h.sim.comment(repo, issue.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => h.sim.comments(repo, issue.number).some((c) => c.body.includes("Applied the plan")), {
      message: `no apply reply: ${JSON.stringify(h.sim.comments(repo, issue.number).map((c) => c.body.slice(0, 200)))}`,
      timeoutMs: 60_000,
    });
    expect(await stateInput(state)).toEqual(["net-0"]);
    await h.sim.waitFor(() => issue.state === "closed", { message: "issue not closed after the apply", timeoutMs: 60_000 });
    expect(h.sim.comments(repo, issue.number).at(-1)?.body).toContain("back in line");
    expect(driftChecks(repo, sha).slice(seen).some((c) => c.conclusion === "success")).toBe(true);
    // The apply is on record as a GitHub Deployment of the project.
    const deployments = h.sim.deployments(repo);
    expect(deployments.map((d) => [d.environment, d.sha, d.statuses.map((s) => s.state)])).toEqual([["net", sha, ["in_progress", "success"]]]);

    // Someone edits the state behind Sluice's back.
    await editState(state, "net-0", "hand-edit");
    const before = driftChecks(repo, sha).length;
    const found = await nextCheck(repo, sha, before);
    expect(found.conclusion).toBe("failure");
    await h.sim.waitFor(() => driftIssues(repo).filter((i) => i.state === "open").length === 1, { message: "no new drift issue" });
    const drift = driftIssues(repo).find((i) => i.state === "open") as ReturnType<typeof driftIssues>[number];
    expect(drift.body).toContain("Changed outside git (1)");
    expect(drift.body).toMatch(/terraform_data\.net_0.*`input`: `"hand-edit"` → `"net-0"`/);
    expect(drift.body).toContain(sha.slice(0, 7));
    // The second run edits the same issue: still one open issue for the project.
    const edits = drift.history.length;
    await h.sim.waitFor(() => drift.history.length > edits + 1, { message: "the issue was not edited again", timeoutMs: 60_000 });
    expect(driftIssues(repo).filter((i) => i.state === "open")).toHaveLength(1);
    expect(driftIssues(repo)).toHaveLength(2);

    await h.sim.comment(repo, drift.number, { user: "alice", body: "/apply" });
    await h.sim.waitFor(() => h.sim.comments(repo, drift.number).some((c) => c.body.includes("Applied the plan")), { message: "no apply", timeoutMs: 60_000 });
    expect(await stateInput(state)).toEqual(["net-0"]);
    await h.sim.waitFor(() => drift.state === "closed", { message: "drift issue not closed", timeoutMs: 60_000 });
    expect(h.sim.unknownCalls).toEqual([]);
  });
});
