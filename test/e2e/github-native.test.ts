import { mkdtemp } from "node:fs/promises";
import Database from "better-sqlite3";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];
type Check = ReturnType<Harness["sim"]["checkRuns"]>[number];

let h: Harness;
let stateDir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "apply_requirements: [approved]",
      "approvals: 1",
      "allowed_overrides: [apply_requirements, apply_on]",
      "apply_teams: [acme/infra-admins]",
    ].join("\n"),
  });
  // Inside the harness's sandbox path: tool runs may write their state only there.
  stateDir = await mkdtemp(join(h.stateDir, "sluice-native-"));
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");
const FINISHED = /·\s*(✅|❌|⛔|⚠️)|Nothing to apply|Not applied|already in progress/;

async function completed(repo: Repo, sha: string, name: string, count = 1): Promise<Check> {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed").length >= count, {
    message: `no completed ${name} (#${count}) on ${sha.slice(0, 7)}`,
    timeoutMs: 90_000,
  });
  const done = h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
  return done[done.length - 1] as Check;
}

/** Waits for the bot's next comment on the PR to be finished, after `act` (a comment or a click). */
async function reply(repo: Repo, pr: number, act: () => Promise<unknown>): Promise<string> {
  const before = bot(repo, pr).length;
  await act();
  await h.sim.waitFor(() => bot(repo, pr).length > before && FINISHED.test(bot(repo, pr)[before]?.body ?? ""), {
    message: `no finished reply: ${JSON.stringify(
      bot(repo, pr)
        .slice(before)
        .map((c) => c.body.slice(0, 400)),
    )}`,
    timeoutMs: 90_000,
  });
  return bot(repo, pr)[before]?.body ?? "";
}
const say = (repo: Repo, pr: number, user: string, body: string) => reply(repo, pr, () => h.sim.comment(repo, pr, { user, body }));

async function newRepo(files: Record<string, string>, roles: Record<string, "write" | "read"> = {}) {
  n++;
  const name = `native-${n}`;
  for (const [u, role] of Object.entries({ alice: "write", bob: "write", rita: "read", ...roles } as Record<string, "write" | "read">)) {
    h.sim.setPermission(`acme/${name}`, u, role);
  }
  return h.sim.createRepo({ owner: "acme", name, files });
}

/** One stateful project `net`, and an open PR that grows it to 2 resources, planned. */
async function plannedPr() {
  const state = join(stateDir, `net-${n + 1}.tfstate`);
  const repo = await newRepo({ "net/main.tf": statefulProject("net", state, 0) });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow net" });
  const check = await completed(repo, pr.headSha, "sluice/plan");
  return { repo, pr, state, check };
}

const refusalLine = (body: string) =>
  body
    .split("\n")
    .find((l) => /needs write access/.test(l))
    ?.trim();

describe("Apply button on sluice/plan", () => {
  it("is offered on a plan with changes; a click by a write user is /apply by that user", async () => {
    const { repo, pr, state, check } = await plannedPr();
    expect(check.conclusion).toBe("success");
    expect(check.actions).toEqual([{ label: "Apply", identifier: "apply", description: expect.any(String) }]);
    await h.sim.approve(repo, pr.number, "bob");
    const body = await reply(repo, pr.number, () => h.sim.clickCheckAction(repo, check.id, "apply", "bob"));
    expect(body).toMatch(/applied/i);
    expect(body).toContain("Apply button of sluice/plan");
    expect(body).toContain("`bob`");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    expect((await completed(repo, pr.headSha, "sluice/apply")).conclusion).toBe("success");
  });

  it("a click acts once: its body sent again under a new delivery id queues nothing (control: a second click does)", async () => {
    const { repo, pr, state, check } = await plannedPr();
    await h.sim.approve(repo, pr.number, "bob");
    const applies = () => {
      const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
      try {
        return (
          db
            .prepare(
              "SELECT COUNT(*) AS n FROM jobs WHERE json_extract(target, '$.repo.name') = ? AND json_extract(spec, '$.trigger') = 'button'",
            )
            .get(repo.name) as { n: number }
        ).n;
      } finally {
        db.close();
      }
    };
    let first = "";
    const applied = await reply(repo, pr.number, async () => {
      first = (await h.sim.clickCheckAction(repo, check.id, "apply", "bob")).deliveryId;
    });
    expect(applied).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    expect(applies()).toBe(1);
    // A captured click, replayed: GitHub signed the body, not the delivery id.
    const replayed = await h.sim.redeliver(first, { asNewId: "replayed-click" });
    expect(replayed.status).toBeLessThan(300);
    expect(applies()).toBe(1);
    // The job marked the check run completed again: a second click is a body of its own.
    await reply(repo, pr.number, () => h.sim.clickCheckAction(repo, check.id, "apply", "bob"));
    expect(applies()).toBe(2);
  });

  it("a click by a read user is refused with the same message as /apply, and nothing is applied", async () => {
    const { repo, pr, state, check } = await plannedPr();
    await h.sim.approve(repo, pr.number, "bob");
    const clicked = await reply(repo, pr.number, () => h.sim.clickCheckAction(repo, check.id, "apply", "rita"));
    // A user's refusals on a PR share one comment, edited with a count: the typed /apply edits it.
    await h.sim.comment(repo, pr.number, { user: "rita", body: "/apply" });
    await h.sim.waitFor(() => bot(repo, pr.number).some((c) => c.body.includes("2 times")), { message: "no second refusal" });
    const typed = bot(repo, pr.number).find((c) => c.body.includes("2 times"))?.body ?? "";
    const reason = (line: string | undefined) => line?.replace(/^Latest( \(`[^`]*`\))?: /, "");
    expect(refusalLine(clicked)).toBeDefined();
    expect(reason(refusalLine(clicked))).toBe(reason(refusalLine(typed)));
    expect(await stateResources(state)).toEqual([]);
  });

  it("a click on the check of an older head is refused as stale, also after the new head was planned", async () => {
    const { repo, pr, state, check } = await plannedPr();
    await h.sim.pushToPullRequest(repo, pr.number, { "net/extra.tf": tfProject("extra") });
    const pushed = h.sim.pullRequest(repo, pr.number).headSha;
    await completed(repo, pushed, "sluice/plan");
    await h.sim.approve(repo, pr.number, "bob");
    const body = await reply(repo, pr.number, () => h.sim.clickCheckAction(repo, check.id, "apply", "bob"));
    expect(body).toContain("stale");
    expect(await stateResources(state)).toEqual([]);
  });

  it("a click applies the plan of the PR whose check it was on, never another open PR's of the same head commit (control: that PR's own click)", async () => {
    // One head commit, two open PRs: into main it changes only `net`, into `release` only `app`.
    const [netState, appState] = [join(stateDir, `two-net-${n + 1}.tfstate`), join(stateDir, `two-app-${n + 1}.tfstate`)];
    const repo = await newRepo({ "net/main.tf": statefulProject("net", netState, 0), "app/main.tf": statefulProject("app", appState, 2) });
    await h.sim.pushBranch(repo, {
      branch: "release",
      files: { "net/main.tf": statefulProject("net", netState, 2), "app/main.tf": statefulProject("app", appState, 0) },
    });
    await h.sim.pushBranch(repo, { branch: "both", from: "release", files: { "app/main.tf": statefulProject("app", appState, 2) } });
    const intoMain = await h.sim.openPullRequest(repo, { head: "both", author: "alice", title: "net into main" });
    await completed(repo, intoMain.headSha, "sluice/plan");
    const intoRelease = await h.sim.openPullRequest(repo, { head: "both", base: "release", author: "alice", title: "app into release" });
    await completed(repo, intoMain.headSha, "sluice/plan", 2);
    const [mainCheck, releaseCheck] = h.sim.checkRuns(repo, intoMain.headSha).filter((c) => c.name === "sluice/plan") as [Check, Check];
    expect(releaseCheck.actions.map((a) => a.identifier)).toEqual(["apply"]);
    await h.sim.approve(repo, intoMain.number, "bob");
    await h.sim.approve(repo, intoRelease.number, "bob");
    // The click on the release PR's check: GitHub lists both PRs in the event, the main one first.
    const said = () => [intoMain.number, intoRelease.number].map((pr) => bot(repo, pr).length);
    const before = said();
    await h.sim.clickCheckAction(repo, releaseCheck.id, "apply", "bob");
    const answer = (i: number, pr: number) => bot(repo, pr)[before[i] ?? 0]?.body ?? "";
    await h.sim.waitFor(() => [intoMain.number, intoRelease.number].some((pr, i) => FINISHED.test(answer(i, pr))), {
      message: "no finished reply",
      timeoutMs: 90_000,
    });
    // Nothing of the main PR's was applied, nor said there: the click was the release PR's /apply.
    expect(await stateResources(netState)).toEqual([]);
    expect(said()).toEqual([before[0], (before[1] ?? 0) + 1]);
    expect(answer(1, intoRelease.number)).toMatch(/applied/i);
    expect(await stateResources(appState)).toEqual(["terraform_data.app_0", "terraform_data.app_1"]);
    // Control: the main PR's own check applies the main PR's plan.
    await reply(repo, intoMain.number, () => h.sim.clickCheckAction(repo, mainCheck.id, "apply", "bob"));
    expect(await stateResources(netState)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  }, 300_000);

  it("a plan without changes offers no button", async () => {
    // No state and no resources: only a local, so the plan has nothing to do.
    const repo = await newRepo({ "app/main.tf": "locals {\n  x = 1\n}\n" });
    await h.sim.pushBranch(repo, { branch: "doc", files: { "app/main.tf": "# only a comment changes\nlocals {\n  x = 1\n}\n" } });
    const pr = await h.sim.openPullRequest(repo, { head: "doc", author: "alice" });
    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toMatch(/No changes/);
    expect(check.actions).toEqual([]);
  });
});

describe("Re-run of a Sluice check", () => {
  it("re-plans the PR: a failed sluice/plan turns green after the fix is pushed", async () => {
    const repo = await newRepo({ "net/main.tf": tfProject("net") });
    await h.sim.pushBranch(repo, { branch: "broken", files: { "net/main.tf": 'resource "terraform_data" "x" {\n  input = \n}\n' } });
    const pr = await h.sim.openPullRequest(repo, { head: "broken", author: "alice" });
    const failed = await completed(repo, pr.headSha, "sluice/plan");
    expect(failed.conclusion).toBe("failure");
    // The push's webhook is lost: only the re-run brings Sluice to the fixed head.
    h.sim.setWebhookTarget("http://127.0.0.1:9");
    const fix = await h.sim.pushToPullRequest(repo, pr.number, { "net/main.tf": tfProject("net", 2) });
    h.sim.setWebhookTarget(h.app.url);
    expect(h.sim.checkRuns(repo, fix.headSha)).toEqual([]);
    const r = await h.sim.rerequestCheckRun(repo, failed.id, "alice");
    expect(r.status).toBeLessThan(300);
    const green = await completed(repo, fix.headSha, "sluice/plan");
    expect(green.conclusion).toBe("success");
    expect(bot(repo, pr.number).at(-1)?.body).toContain("Re-run of sluice/plan");
    // "Re-run all checks" of the suite re-plans too.
    await h.sim.rerequestCheckSuite(repo, fix.headSha, "bob");
    expect((await completed(repo, fix.headSha, "sluice/plan", 2)).conclusion).toBe("success");
  });

  it("a re-run whose event lists no pull request (GitHub leaves out forks' PRs) finds the PR by its head commit", async () => {
    const repo = await newRepo({ "net/main.tf": tfProject("net") });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(repo, pr.headSha, "sluice/plan");
    await h.sim.deliver("check_suite", {
      action: "rerequested",
      installation: { id: h.sim.installationId },
      repository: { owner: { login: "acme" }, name: repo.name, full_name: repo.fullName, clone_url: repo.cloneUrl },
      sender: { login: "alice", type: "User" },
      check_suite: { head_sha: pr.headSha, head_branch: null, pull_requests: [] },
    });
    expect((await completed(repo, pr.headSha, "sluice/plan", 2)).conclusion).toBe("success");
    expect(bot(repo, pr.number).at(-1)?.body).toContain("Re-run of sluice/plan");
    // The job's record names the PR it found, not the event's "no PR".
    const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
    try {
      const rows = db
        .prepare(
          "SELECT json_extract(target, '$.pr') AS pr FROM jobs WHERE json_extract(target, '$.repo.name') = ? AND json_extract(spec, '$.trigger') = 'rerun'",
        )
        .all(repo.name) as { pr: number }[];
      expect(rows).toEqual([{ pr: pr.number }]);
    } finally {
      db.close();
    }
  });

  it("a re-run of a fork's PR reaches that PR, though GitHub associates the fork's commit with no PR of this repository", async () => {
    const repo = await newRepo({ "net/main.tf": tfProject("net") });
    await h.sim.pushBranch(repo, { branch: "fork-grow", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "fork-grow", author: "mallory", headRepo: "mallory/infra" });
    await h.sim.waitFor(() => /comes from a fork/.test(bot(repo, pr.number)[0]?.body ?? ""), {
      message: "no fork refusal",
      timeoutMs: 60_000,
    });
    // "Re-run all checks": the event lists no PR (a fork's), so Sluice looks the PR up by its head.
    await h.sim.rerequestCheckSuite(repo, pr.headSha, "alice");
    // The job's comment is posted as queued first and edited with the refusal: wait for the refusal itself.
    await h.sim.waitFor(() => /comes from a fork/.test(bot(repo, pr.number)[1]?.body ?? ""), {
      message: "the re-run reached no PR",
      timeoutMs: 45_000,
    });
    expect(bot(repo, pr.number)).toHaveLength(2);
  });

  it("a re-run re-plans the PR whose check it was on, never another open PR's of the same head commit (control: that PR's own re-run)", async () => {
    // One head commit, two open PRs: into main it changes only `net`, into `release` only `app`.
    const repo = await newRepo({ "net/main.tf": tfProject("net", 1), "app/main.tf": tfProject("app", 2) });
    await h.sim.pushBranch(repo, { branch: "release", files: { "net/main.tf": tfProject("net", 2), "app/main.tf": tfProject("app", 1) } });
    await h.sim.pushBranch(repo, { branch: "both", from: "release", files: { "app/main.tf": tfProject("app", 2) } });
    const intoMain = await h.sim.openPullRequest(repo, { head: "both", author: "alice", title: "net into main" });
    await completed(repo, intoMain.headSha, "sluice/plan");
    const intoRelease = await h.sim.openPullRequest(repo, { head: "both", base: "release", author: "alice", title: "app into release" });
    await completed(repo, intoMain.headSha, "sluice/plan", 2);
    const [mainCheck, releaseCheck] = h.sim.checkRuns(repo, intoMain.headSha).filter((c) => c.name === "sluice/plan") as [Check, Check];
    const said = () => [intoMain.number, intoRelease.number].map((pr) => bot(repo, pr).length);
    const before = said();
    // The re-run of the release PR's check: GitHub lists both PRs in the event, the main one first.
    const body = await reply(repo, intoRelease.number, () => h.sim.rerequestCheckRun(repo, releaseCheck.id, "bob"));
    expect(body).toContain("Re-run of sluice/plan");
    expect(body).toContain("app");
    await completed(repo, intoMain.headSha, "sluice/plan", 3);
    expect(said()).toEqual([before[0], (before[1] ?? 0) + 1]);
    // Control: the main PR's own re-run re-plans the main PR.
    const mainBody = await reply(repo, intoMain.number, () => h.sim.rerequestCheckRun(repo, mainCheck.id, "bob"));
    expect(mainBody).toContain("Re-run of sluice/plan");
    expect(mainBody).toContain("net");
  }, 300_000);

  it("a re-run by a user without the plan permission plans nothing", async () => {
    const repo = await newRepo({ "net/main.tf": tfProject("net") });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    const first = await completed(repo, pr.headSha, "sluice/plan");
    const body = await reply(repo, pr.number, () => h.sim.rerequestCheckRun(repo, first.id, "rita"));
    expect(body).toContain("needs write access");
    expect(h.sim.checkRuns(repo, pr.headSha).filter((c) => c.name === "sluice/plan")).toHaveLength(1);
  });
});

describe("merge queue", () => {
  it("plans the merge group's head and reports sluice/plan on that SHA", async () => {
    const repo = await newRepo({ "a/main.tf": tfProject("a"), "b/main.tf": tfProject("b") });
    await h.sim.pushBranch(repo, { branch: "pa", files: { "a/main.tf": tfProject("a", 2) } });
    await h.sim.pushBranch(repo, { branch: "pb", from: "main", files: { "b/main.tf": tfProject("b", 3) } });
    const p1 = await h.sim.openPullRequest(repo, { head: "pa", author: "alice" });
    const p2 = await h.sim.openPullRequest(repo, { head: "pb", author: "alice" });
    await completed(repo, p1.headSha, "sluice/plan");
    await completed(repo, p2.headSha, "sluice/plan");
    await h.sim.approve(repo, p1.number, "bob");
    await h.sim.approve(repo, p2.number, "bob");
    const group = await h.sim.enqueueMergeGroup(repo, [p1.number, p2.number]);
    expect(group.delivery.status).toBeLessThan(300);
    const check = await completed(repo, group.headSha, "sluice/plan");
    expect(check.head_sha).toBe(group.headSha);
    expect(check.conclusion).toBe("success");
    expect(check.output.summary).toContain("`a`");
    expect(check.output.summary).toContain("`b`");
    // Without state every resource is created: 2 of a and 3 of b, planned together at the group's head.
    expect(check.output.title).toBe("Merge group: +5 ~0 -0 in 2 projects");
    // Nothing was locked or saved for the group: the PRs' own plans are untouched and no comment was posted for it.
    expect(bot(repo, p1.number)).toHaveLength(1);
  });

  it("a merge group plans a project that takes another's outputs with them, as the PR's plan did", async () => {
    const config =
      "version: 1\nprojects:\n  - { name: net, dir: net }\n  - name: app\n    dir: app\n    inputs_from: { vpc_id: net.vpc_id }\n";
    const net = (v: string) => `output "vpc_id" {\n  value = "vpc-${v}"\n}\n`;
    // No default: without its input, app's plan fails (-input=false).
    const app = (v: string) =>
      `variable "vpc_id" {\n  type = string\n}\nresource "terraform_data" "app" {\n  input = "\${var.vpc_id}-${v}"\n}\n`;
    const repo = await newRepo({ ".sluice.yaml": config, "net/main.tf": net("1"), "app/main.tf": app("1") });
    await h.sim.pushBranch(repo, { branch: "both", files: { "net/main.tf": net("2"), "app/main.tf": app("2") } });
    const pr = await h.sim.openPullRequest(repo, { head: "both", author: "alice" });
    expect((await completed(repo, pr.headSha, "sluice/plan")).conclusion).toBe("success");
    await h.sim.approve(repo, pr.number, "bob");
    const group = await h.sim.enqueueMergeGroup(repo, [pr.number]);
    const check = await completed(repo, group.headSha, "sluice/plan");
    expect(check.output.summary).toContain("`app`");
    expect(check.conclusion).toBe("success");
  });

  it("fails when the merged result changes the resources of an approved plan", async () => {
    const repo = await newRepo({ "a/main.tf": tfProject("a") });
    await h.sim.pushBranch(repo, { branch: "x", files: { "a/x.tf": tfProject("x") } });
    await h.sim.pushBranch(repo, { branch: "y", from: "main", files: { "a/y.tf": tfProject("y") } });
    const p1 = await h.sim.openPullRequest(repo, { head: "x", author: "alice" });
    await completed(repo, p1.headSha, "sluice/plan");
    await h.sim.approve(repo, p1.number, "bob");
    const p2 = await h.sim.openPullRequest(repo, { head: "y", author: "alice" });
    await completed(repo, p2.headSha, "sluice/plan");
    const group = await h.sim.enqueueMergeGroup(repo, [p1.number, p2.number]);
    const check = await completed(repo, group.headSha, "sluice/plan");
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toContain(`#${p1.number}`);
    expect(check.output.summary).toMatch(/differs from the plan approved/);
    // A group of the approved PR alone makes exactly its changes.
    const alone = await h.sim.enqueueMergeGroup(repo, [p1.number]);
    expect((await completed(repo, alone.headSha, "sluice/plan")).conclusion).toBe("success");
  });

  it("an approval given before an identical re-plan (the base moved) still holds the group to that plan", async () => {
    const repo = await newRepo({ "a/main.tf": tfProject("a"), "README.md": "one" });
    await h.sim.pushBranch(repo, { branch: "x", files: { "a/x.tf": tfProject("x") } });
    const p1 = await h.sim.openPullRequest(repo, { head: "x", author: "alice" });
    await completed(repo, p1.headSha, "sluice/plan");
    await h.sim.approve(repo, p1.number, "bob");
    // An unrelated merge into main, then the re-plan it asks for: the same changes, made after the approval.
    await h.sim.pushBranch(repo, { branch: "main", files: { "README.md": "two" } });
    await h.sim.comment(repo, p1.number, { user: "alice", body: "/plan" });
    await completed(repo, p1.headSha, "sluice/plan", 2);
    await h.sim.pushBranch(repo, { branch: "y", from: "main", files: { "a/y.tf": tfProject("y") } });
    const p2 = await h.sim.openPullRequest(repo, { head: "y", author: "alice" });
    await completed(repo, p2.headSha, "sluice/plan");
    const group = await h.sim.enqueueMergeGroup(repo, [p1.number, p2.number]);
    const check = await completed(repo, group.headSha, "sluice/plan");
    expect(check.conclusion).toBe("failure");
    expect(check.output.summary).toMatch(/differs from the plan approved/);
  });
});

describe("merge queue with apply_on: merge", () => {
  it("the group's check passes, and the apply happens when the queue lands the commit", async () => {
    const state = join(stateDir, `queued-${n + 1}.tfstate`);
    const repo = await newRepo({ ".sluice.yaml": "version: 1\napply_on: merge\n", "net/main.tf": statefulProject("net", state, 0) });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    const plan = await completed(repo, pr.headSha, "sluice/plan");
    // Applying on merge: the merge is the apply, so the check offers no button.
    expect(plan.actions).toEqual([]);
    await h.sim.approve(repo, pr.number, "bob");
    const group = await h.sim.enqueueMergeGroup(repo, [pr.number]);
    expect((await completed(repo, group.headSha, "sluice/plan")).conclusion).toBe("success");
    expect(await stateResources(state)).toEqual([]);
    await h.sim.landMergeGroup(repo, group);
    const applied = await completed(repo, pr.headSha, "sluice/apply");
    expect(applied.conclusion).toBe("success");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });
});

describe("code_owners", () => {
  it("counts only approvals of code owners of the project's files and of the modules it uses", async () => {
    const state = join(stateDir, `owned-${n + 1}.tfstate`);
    const module = 'resource "terraform_data" "m" {\n  input = "m"\n}\n';
    const uses = `\nmodule "shared" {\n  source = "../modules/shared"\n}\n`;
    const repo = await newRepo(
      {
        ".sluice.yaml": "version: 1\nprojects:\n  - dir: net\n    apply_requirements: [code_owners]\n",
        ".github/CODEOWNERS": "# owners\n*.md @docs-team-lead\n/net/ @olga\n/modules/shared/ @mona\n",
        "net/main.tf": statefulProject("net", state, 0, uses),
        "modules/shared/main.tf": module,
      },
      { olga: "write", mona: "write" },
    );
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1, uses) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    expect((await completed(repo, pr.headSha, "sluice/plan")).conclusion).toBe("success");

    await h.sim.approve(repo, pr.number, "bob");
    const first = await say(repo, pr.number, "bob", "/apply");
    expect(first).toContain("olga");
    expect(first).toContain("mona");
    expect(first).toContain(".github/CODEOWNERS");
    expect(await stateResources(state)).toEqual([]);

    await h.sim.approve(repo, pr.number, "olga");
    const second = await say(repo, pr.number, "bob", "/apply");
    expect(second).not.toContain("olga (code owners");
    expect(second).toMatch(/mona\S* \(code owners of `modules\/shared\/main.tf`/);
    expect(await stateResources(state)).toEqual([]);

    await h.sim.approve(repo, pr.number, "mona");
    expect(await say(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.m", "terraform_data.net_0"]);
  });
});

describe("code_owners with a team owner", () => {
  it("an approval by a member of the owning team (through a child team) counts", async () => {
    h.sim.addTeam("acme/net-team", { members: [] });
    h.sim.addTeam("acme/net-oncall", { parent: "acme/net-team", members: ["tess"] });
    const state = join(stateDir, `team-owned-${n + 1}.tfstate`);
    const repo = await newRepo(
      {
        ".sluice.yaml": "version: 1\nprojects:\n  - dir: net\n    apply_requirements: [code_owners]\n",
        CODEOWNERS: "/net/ @acme/net-team\n",
        "net/main.tf": statefulProject("net", state, 0),
      },
      { tess: "write", olga: "write" },
    );
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(repo, pr.headSha, "sluice/plan");
    await h.sim.approve(repo, pr.number, "olga");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("acme/net-team (code owners of `net/main.tf`)");
    await h.sim.approve(repo, pr.number, "tess");
    expect(await say(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });
});

describe("apply_teams", () => {
  it("a member of a child team of an apply team may apply without write access; a pending invitee may not", async () => {
    h.sim.addTeam("acme/infra-admins", { members: ["ada"] });
    h.sim.addTeam("acme/sre", { parent: "acme/infra-admins", members: ["sam"], pending: ["pat"] });
    const { repo, pr, state } = await plannedPr();
    h.sim.setPermission(repo, "sam", "read");
    h.sim.setPermission(repo, "pat", "read");
    await h.sim.approve(repo, pr.number, "bob");
    expect(await say(repo, pr.number, "pat", "/apply")).toContain("needs write access");
    expect(await stateResources(state)).toEqual([]);
    expect(await say(repo, pr.number, "sam", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });
});

describe("destroy plans", () => {
  it("are marked in the comment and check, and apply only where allow_destroy is set", async () => {
    const netState = join(stateDir, `dnet-${n + 1}.tfstate`);
    const webState = join(stateDir, `dweb-${n + 1}.tfstate`);
    const repo = await newRepo({
      ".sluice.yaml": "version: 1\nprojects:\n  - dir: net\n    allow_destroy: true\n  - dir: web\n",
      "net/main.tf": statefulProject("net", netState, 0),
      "web/main.tf": statefulProject("web", webState, 0),
    });
    await h.sim.pushBranch(repo, {
      branch: "grow",
      files: { "net/main.tf": statefulProject("net", netState, 1), "web/main.tf": statefulProject("web", webState, 1) },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(repo, pr.headSha, "sluice/plan");
    await h.sim.approve(repo, pr.number, "bob");
    expect(await say(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(netState)).toEqual(["terraform_data.net_0"]);

    const planned = await say(repo, pr.number, "bob", "/plan -- -destroy");
    expect(planned).toContain("DESTROY PLAN");
    const check = await completed(repo, pr.headSha, "sluice/plan", 2);
    expect(check.output.title).toMatch(/^DESTROY PLAN/);
    // web may not be destroyed: a button that could only be refused is not offered.
    expect(check.actions).toEqual([]);
    await h.sim.approve(repo, pr.number, "bob");
    const applied = await say(repo, pr.number, "bob", "/apply");
    expect(applied).toContain("allow_destroy");
    expect(await stateResources(netState)).toEqual([]);
    expect(await stateResources(webState)).toEqual(["terraform_data.web_0"]);
  });
});
