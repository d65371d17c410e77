import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { newRepo } from "./teardown-support.js";
import { bot, completed, nextSecond, say, seedState } from "./trust-holes-support.js";

// The one gate: every road to production asks the same rules. Each case was a way past them.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

// conftest cannot be installed here: a stand-in that prints conftest's documented JSON runs instead.
const CONFTEST = fileURLToPath(new URL("../fixtures/conftest/conftest", import.meta.url));

let h: Harness;
let work: string;
// alice is the repository's admin (and the server's), bob and carol may write.
const PEOPLE = [
  ["alice", "admin"],
  ["bob", "write"],
  ["carol", "write"],
] as const;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "sluice-gate-"));
  const policy = join(work, "no_data");
  await mkdir(policy, { recursive: true });
  await writeFile(
    join(policy, "rule.json"),
    JSON.stringify({ deny: [{ type: "terraform_data", action: "create", msg: "{address}: new terraform_data resources need a review" }] }),
  );
  h = await startHarness({
    serverConfig: [
      "apply_requirements: [approved]",
      "admins: [alice]",
      "drift:",
      // Never due by itself while the tests run: each check is asked for with `/drift`.
      '  schedule: "0 0 1 1 *"',
      "allowed_overrides: [drift, apply_requirements]",
      'trusted_branches: ["release/*"]',
      "policies:",
      `  conftest_binary: ${CONFTEST}`,
      "  repos: [acme/gate-policy]",
      "  owners:",
      "    users: [sec]",
      "  policy_sets:",
      "    - name: no_data",
      `      path: ${policy}`,
      "      source: local",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
  await rm(work, { recursive: true, force: true });
});

const driftIssue = (repo: Repo, project: string) =>
  h.sim.issues(repo).find((i) => i.labels.includes("sluice:drift") && i.title === `Drift: project ${project}` && i.state === "open");

/** `/drift` on a plain issue, as alice; returns the check's summary reply once it is posted. */
async function driftNow(repo: Repo, issue: number): Promise<string> {
  return say(h, repo, issue, "alice", "/drift", "**Drift check**");
}

/** A PR that only hosts `/applies pause|resume` (the brake is server-wide). */
async function brake(repo: Repo): Promise<number> {
  await h.sim.pushBranch(repo, { branch: "brake", files: { "README.md": "brake\n" } });
  return (await h.sim.openPullRequest(repo, { head: "brake", author: "alice" })).number;
}

const pauseApplies = (repo: Repo, pr: number) => say(h, repo, pr, "alice", "/applies pause -- change freeze", "Applies are paused");
const resumeApplies = (repo: Repo, pr: number) => say(h, repo, pr, "alice", "/applies resume", "Applies are resumed");

describe("the gate on pull mode's roads", { timeout: 300_000 }, () => {
  it("`/apply` on a drift issue is refused while applies are paused, and applies once resumed", async () => {
    const { repo, state } = await newRepo(h, "gate-drift-pause", PEOPLE, (s) => ({ "net/main.tf": statefulProject("net", s("net"), 0) }));
    await h.sim.pushDefaultBranch(repo, { "net/main.tf": statefulProject("net", state("net"), 1) });
    const host = h.sim.openIssue(repo, { title: "drift host", author: "alice" });
    await driftNow(repo, host.number);
    const issue = driftIssue(repo, "net");
    expect(issue, "no drift issue").toBeDefined();
    const pr = await brake(repo);
    await pauseApplies(repo, pr);
    try {
      const refused = await say(h, repo, issue?.number ?? 0, "alice", "/apply", "⛔ refused");
      expect(refused).toContain("⛔ refused: Applies are paused on this Sluice server");
      expect(await stateResources(state("net"))).toEqual([]);
    } finally {
      await resumeApplies(repo, pr);
    }
    await driftNow(repo, host.number);
    const applied = await say(h, repo, issue?.number ?? 0, "alice", "/apply", "Applied the plan");
    expect(applied).toContain("Applied the plan");
    expect(await stateResources(state("net"))).toEqual(["terraform_data.net_0"]);
  });

  it("`on_drift: apply` does not reconcile while applies are paused", async () => {
    const { repo, state } = await newRepo(h, "gate-reconcile-pause", PEOPLE, (s) => ({
      ".sluice.yaml": "version: 1\ndrift:\n  on_drift: apply\n",
      "net/main.tf": statefulProject("net", s("net"), 0),
    }));
    await h.sim.pushDefaultBranch(repo, { "net/main.tf": statefulProject("net", state("net"), 1) });
    const pr = await brake(repo);
    await pauseApplies(repo, pr);
    const host = h.sim.openIssue(repo, { title: "drift host", author: "alice" });
    try {
      const report = await driftNow(repo, host.number);
      expect(await stateResources(state("net")), report).toEqual([]);
      expect(report).toContain("not reconciled, ⛔ refused: Applies are paused");
    } finally {
      await resumeApplies(repo, pr);
    }
    const again = await driftNow(repo, host.number);
    expect(await stateResources(state("net")), again).toEqual(["terraform_data.net_0"]);
  });

  it("a change the policy checks refuse, pushed straight to the default branch, is neither reconciled nor applied from its issue", async () => {
    const { repo, state } = await newRepo(h, "gate-policy", PEOPLE, (s) => ({
      ".sluice.yaml": [
        "version: 1",
        "projects:",
        "  - name: rec",
        "    dir: rec",
        "    drift:",
        "      on_drift: apply",
        "  - name: rep",
        "    dir: rep",
        "",
      ].join("\n"),
      "rec/main.tf": statefulProject("rec", s("rec"), 0),
      "rep/main.tf": statefulProject("rep", s("rep"), 0),
    }));
    await h.sim.pushDefaultBranch(repo, {
      "rec/main.tf": statefulProject("rec", state("rec"), 1),
      "rep/main.tf": statefulProject("rep", state("rep"), 1),
    });
    const host = h.sim.openIssue(repo, { title: "drift host", author: "alice" });
    const report = await driftNow(repo, host.number);
    expect(await stateResources(state("rec")), report).toEqual([]);
    expect(report).toContain("policy set `no_data` failed");
    const issue = driftIssue(repo, "rep");
    expect(issue, report).toBeDefined();
    const refused = await say(h, repo, issue?.number ?? 0, "alice", "/apply", "⛔ refused");
    expect(refused).toContain("policy set `no_data` failed");
    expect(await stateResources(state("rep"))).toEqual([]);
  });
});

describe("the gate on a pull request's roads", { timeout: 300_000 }, () => {
  it("`/state rm -p prod` on an approved PR that changes only app is refused; prod's state keeps its resource", async () => {
    const { repo, state } = await newRepo(h, "gate-state-rm", PEOPLE, (s) => ({
      "app/main.tf": statefulProject("app", s("app"), 0),
      "prod/main.tf": statefulProject("prod", s("prod"), 1),
    }));
    await seedState(statefulProject("prod", state("prod"), 1));
    await h.sim.pushBranch(repo, { branch: "grow", files: { "app/main.tf": statefulProject("app", state("app"), 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    const reply = await say(h, repo, pr.number, "bob", "/state rm -p prod terraform_data.prod_0", "⛔ refused");
    expect(reply).toContain("does not change the project");
    expect(await stateResources(state("prod"))).toEqual(["terraform_data.prod_0"]);
  });

  it("a re-plan with other planned values needs a new approval, and the refusal says what changed", async () => {
    // plantimestamp() is another value in every plan: the same commit never plans the same changes twice.
    const clock = (s: string) => statefulProject("clock", s, 0, 'resource "terraform_data" "clock" {\n  input = plantimestamp()\n}\n');
    const { repo, state } = await newRepo(h, "gate-replan", PEOPLE, (s) => ({
      "clock/main.tf": clock(s("clock")).replace(/resource[\s\S]*$/, ""),
    }));
    await h.sim.pushBranch(repo, { branch: "grow", files: { "clock/main.tf": clock(state("clock")) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    await nextSecond();
    await say(h, repo, pr.number, "bob", "/plan");
    const refused = await say(h, repo, pr.number, "bob", "/apply");
    expect(await stateResources(state("clock")), refused).toEqual([]);
    expect(refused).toContain("approved before this plan was made");
    expect(refused).toContain("the plan changed since: other planned values: `terraform_data.clock`");
    expect(bot(h, repo, pr.number).length).toBeGreaterThan(0);
  });

  it("a PR into a branch its author pushed is judged by the default branch's config, not that branch's", async () => {
    const { repo, state } = await newRepo(h, "gate-base-branch", PEOPLE, (s) => ({
      ".sluice.yaml": "version: 1\nprojects:\n  - name: prod\n    dir: prod\n    apply_requirements: [approved]\n",
      "prod/main.tf": statefulProject("prod", s("prod"), 0),
    }));
    await h.sim.pushBranch(repo, {
      branch: "sneaky",
      from: "main",
      files: { ".sluice.yaml": "version: 1\nprojects:\n  - name: prod\n    dir: prod\n    apply_requirements: []\n" },
    });
    await h.sim.pushBranch(repo, { branch: "grow", from: "sneaky", files: { "prod/main.tf": statefulProject("prod", state("prod"), 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", base: "sneaky", author: "bob" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const plan = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(plan).toContain("is not the default branch nor in the server's `trusted_branches`");
    const reply = await say(h, repo, pr.number, "bob", "/apply");
    expect(await stateResources(state("prod")), reply).toEqual([]);
    expect(reply).toContain("needs 1 more approval");
  });

  it("a PR into a branch its author pushed keeps the default branch's `protect` of its project (control: without it, the same PR applies)", async () => {
    const withDb = (state: string) => statefulProject("prod", state, 0, `resource "terraform_data" "db" {\n  input = "precious"\n}\n`);
    const withoutDb = (state: string) => statefulProject("prod", state, 0, `resource "terraform_data" "other" {\n  input = "x"\n}\n`);
    const dropDbIntoSide = async (name: string, mainConfig: string) => {
      const { repo, state } = await newRepo(h, name, PEOPLE, (s) => ({ ".sluice.yaml": mainConfig, "prod/main.tf": withDb(s("prod")) }));
      await seedState(withDb(state("prod")));
      await h.sim.pushBranch(repo, { branch: "side", from: "main", files: { "README.md": "side\n" } });
      await h.sim.pushBranch(repo, { branch: "drop", from: "side", files: { "prod/main.tf": withoutDb(state("prod")) } });
      const pr = await h.sim.openPullRequest(repo, { head: "drop", base: "side", author: "bob" });
      await completed(h, repo, pr.headSha, "sluice/plan");
      await nextSecond();
      await h.sim.approve(repo, pr.number, "carol");
      const reply = await say(h, repo, pr.number, "bob", "/apply");
      return { reply, resources: await stateResources(state("prod")) };
    };
    // Its only resource deleted, the plan is a teardown (whatever it creates): `allow_destroy` lets it reach `protect`.
    const projects = "version: 1\nprojects:\n  - name: prod\n    dir: prod\n    allow_destroy: true\n";
    const attack = await dropDbIntoSide("gate-side-protect", `${projects}    protect: ["terraform_data.db"]\n`);
    expect(attack.resources, attack.reply).toContain("terraform_data.db");
    expect(attack.reply).toContain("protected");
    const control = await dropDbIntoSide("gate-side-unprotected", projects);
    expect(control.resources, control.reply).toEqual(["terraform_data.other"]);
  });

  it("a base branch in `trusted_branches` gives its config only while GitHub shows it protected", async () => {
    const { repo, state } = await newRepo(h, "gate-release-branch", PEOPLE, (s) => ({
      ".sluice.yaml": "version: 1\nprojects:\n  - name: prod\n    dir: prod\n    apply_requirements: [approved]\n",
      "prod/main.tf": statefulProject("prod", s("prod"), 0),
    }));
    await h.sim.pushBranch(repo, {
      branch: "release/1",
      from: "main",
      files: { ".sluice.yaml": "version: 1\nprojects:\n  - name: prod\n    dir: prod\n    apply_requirements: []\n" },
    });
    await h.sim.pushBranch(repo, {
      branch: "grow",
      from: "release/1",
      files: { "prod/main.tf": statefulProject("prod", state("prod"), 1) },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", base: "release/1", author: "bob" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const unprotected = await say(h, repo, pr.number, "bob", "/apply");
    expect(await stateResources(state("prod")), unprotected).toEqual([]);
    expect(unprotected).toContain("needs 1 more approval");

    h.sim.protectBranch(repo, "release/1");
    await say(h, repo, pr.number, "bob", "/plan");
    const applied = await say(h, repo, pr.number, "bob", "/apply");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(state("prod"))).toEqual(["terraform_data.prod_0"]);
  });
});
