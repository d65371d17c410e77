import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let n = 0;
beforeAll(async () => {
  h = await startHarness();
  for (const u of ["alice", "bob"]) h.sim.addUser(u);
});
afterAll(async () => {
  await h?.stop();
});

/** A fresh repo per test, so tests in this file do not see each other's comments. */
async function repoWith(files: Record<string, string>) {
  n++;
  const repo = await h.sim.createRepo({ owner: "acme", name: `infra-${n}`, files });
  // Comment commands need write access (a plan is what an apply applies).
  h.sim.setPermission(repo, "bob", "write");
  return repo;
}

async function openPr(repo: Repo, files: Record<string, string | null>, opts: { draft?: boolean } = {}) {
  await h.sim.pushBranch(repo, { branch: "change", files });
  return h.sim.openPullRequest(repo, { head: "change", author: "alice", title: "change", ...opts });
}

async function finalCheck(repo: Repo, sha: string, name = "sluice/plan") {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === name && c.status === "completed"), {
    message: `no completed ${name} check on ${sha}`,
    timeoutMs: 90_000,
  });
  const checks = h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
  return checks[checks.length - 1] as (typeof checks)[number];
}

const botComments = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

/** Lets queued work drain: the app has acted on everything it will act on once its jobs end. */
const settle = () => untilIdle(h.app.dataDir);

describe("autoplan", () => {
  it("plans the changed project when a PR opens: one comment edited in place, a check with counts", async () => {
    const repo = await repoWith({ "net/main.tf": tfProject("net", 1), "app/main.tf": tfProject("app", 1), "README.md": "hi\n" });
    const pr = await openPr(repo, { "net/main.tf": tfProject("net", 3) });
    expect(pr.delivery.status).toBe(202);

    const check = await finalCheck(repo, pr.headSha);
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toContain("+3 ~0 -0");
    expect(check.history.map((x) => x.status)).toContain("in_progress");

    const comments = botComments(repo, pr.number);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? "";
    expect(body).toContain("terraform_data.net_2");
    expect(body).not.toContain("terraform_data.app_0");
    expect(body).toContain("Plan: 3 to add, 0 to change, 0 to destroy.");
    expect(body).toMatch(/<details>/);
    // Posted once as queued, then edited as it ran and when it finished.
    const history = comments[0]?.history ?? [];
    expect(history.length).toBeGreaterThanOrEqual(3);
    expect(history[0]).toMatch(/queued/i);
    expect(h.sim.unknownCalls).toEqual([]);
  });

  it("a change in a local module plans every project that uses it, and nothing else", async () => {
    const use = (name: string) => `module "vpc" {\n  source = "../../modules/vpc"\n  name = "${name}"\n}\n`;
    const repo = await repoWith({
      "modules/vpc/main.tf": `variable "name" {}\nresource "terraform_data" "vpc" {\n  input = var.name\n}\n`,
      "envs/prod/main.tf": use("prod"),
      "envs/staging/main.tf": use("staging"),
      "other/main.tf": tfProject("other"),
    });
    const pr = await openPr(repo, {
      "modules/vpc/main.tf": `variable "name" {}\nresource "terraform_data" "vpc" {\n  input = "\${var.name}-v2"\n}\n`,
    });
    const check = await finalCheck(repo, pr.headSha);
    expect(check.conclusion).toBe("success");
    const body = botComments(repo, pr.number)[0]?.body ?? "";
    expect(body).toContain("`envs/prod`");
    expect(body).toContain("`envs/staging`");
    expect(body).not.toContain("`other`");
    // The module is no project of its own: no line of its own; the why-lines name it.
    expect(body).not.toContain("**`modules/vpc`**");
    expect(body).toContain("why: `modules/vpc/main.tf`, in module `modules/vpc`");
  });

  it("a Terraform syntax error gives a failure comment with the failing step and a failed check", async () => {
    const repo = await repoWith({ "net/main.tf": tfProject("net") });
    const pr = await openPr(repo, { "net/main.tf": 'resource "terraform_data" "broken" {\n  input = \n}\n' });
    const check = await finalCheck(repo, pr.headSha);
    expect(check.conclusion).toBe("failure");
    const body = botComments(repo, pr.number)[0]?.body ?? "";
    expect(body).toMatch(/failed at `?init`?/);
    expect(body).toContain("Invalid expression");
  });

  it("a PR that changes no project gets a neutral check and says so", async () => {
    const repo = await repoWith({ "net/main.tf": tfProject("net"), "docs/index.md": "x\n" });
    const pr = await openPr(repo, { "docs/index.md": "y\n" });
    const check = await finalCheck(repo, pr.headSha);
    expect(check.conclusion).toBe("neutral");
    expect(botComments(repo, pr.number)[0]?.body).toContain("No project is affected");
  });

  it("20 changed projects are all planned, in one comment and one check", async () => {
    const files: Record<string, string> = {};
    const changed: Record<string, string> = {};
    for (let i = 0; i < 20; i++) {
      files[`p${i}/main.tf`] = tfProject(`p${i}`);
      changed[`p${i}/main.tf`] = tfProject(`p${i}`, 2);
    }
    const repo = await repoWith(files);
    const pr = await openPr(repo, changed);
    const check = await finalCheck(repo, pr.headSha);
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toContain("+40 ~0 -0 in 20 projects");
    const body = botComments(repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    for (let i = 0; i < 20; i++) expect(body).toContain(`terraform_data.p${i}_1`);
  });

  it("draft PRs are not autoplanned by default; ready_for_review plans them", async () => {
    const repo = await repoWith({ "net/main.tf": tfProject("net") });
    const pr = await openPr(repo, { "net/main.tf": tfProject("net", 2) }, { draft: true });
    expect(pr.delivery.status).toBe(202);
    await settle();
    expect(botComments(repo, pr.number)).toHaveLength(0);
    expect(h.sim.checkRuns(repo, pr.headSha)).toHaveLength(0);
    await h.sim.markReadyForReview(repo, pr.number);
    expect((await finalCheck(repo, pr.headSha)).conclusion).toBe("success");
  });

  it("a push re-plans at the new head in a new comment", async () => {
    const repo = await repoWith({ "net/main.tf": tfProject("net") });
    const pr = await openPr(repo, { "net/main.tf": tfProject("net", 2) });
    await finalCheck(repo, pr.headSha);
    const push = await h.sim.pushToPullRequest(repo, pr.number, { "net/main.tf": tfProject("net", 4) });
    const check = await finalCheck(repo, push.headSha);
    expect(check.output.title).toContain("+4 ~0 -0");
    const comments = botComments(repo, pr.number);
    expect(comments).toHaveLength(2);
    expect(comments[1]?.body).toContain(push.headSha.slice(0, 7));
  });

  it("closing the PR removes its worktrees", async () => {
    const repo = await repoWith({ "net/main.tf": tfProject("net") });
    const pr = await openPr(repo, { "net/main.tf": tfProject("net", 2) });
    await finalCheck(repo, pr.headSha);
    const worktrees = join(h.app.dataDir, "worktrees", `acme__${repo.name}`, String(pr.number));
    expect((await readdir(worktrees)).length).toBe(1);
    await h.sim.closePullRequest(repo, pr.number);
    await h.sim.waitFor(
      async () =>
        !(await stat(worktrees).then(
          () => true,
          () => false,
        )),
      {
        message: "worktrees of the closed PR still exist",
      },
    );
  });
});

describe("comment commands", () => {
  async function plannedPr() {
    const repo = await repoWith({ "net/main.tf": tfProject("net"), "app/main.tf": tfProject("app") });
    const pr = await openPr(repo, { "net/main.tf": tfProject("net", 2), "app/main.tf": tfProject("app", 2) });
    await finalCheck(repo, pr.headSha);
    return { repo, pr };
  }

  it("`/plan -p net` plans only net", async () => {
    const { repo, pr } = await plannedPr();
    const before = h.sim.checkRuns(repo, pr.headSha).length;
    const { commentId } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan -p net" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).filter((c) => c.status === "completed").length > before);
    const check = await finalCheck(repo, pr.headSha);
    expect(check.output.title).toContain("+2 ~0 -0 in 1 project");
    const reply = botComments(repo, pr.number)[1]?.body ?? "";
    expect(reply).toContain("terraform_data.net_1");
    expect(reply).not.toContain("terraform_data.app_1");
    expect(reply).toContain("/plan -p net");
    expect(h.sim.reactions(commentId)).toContain("eyes");
  });

  it("`sluice plan -d app` plans only app", async () => {
    const { repo, pr } = await plannedPr();
    await h.sim.comment(repo, pr.number, { user: "bob", body: "sluice plan -d app" });
    await h.sim.waitFor(
      () => botComments(repo, pr.number).length === 2 && /Plan: 2 to add/.test(botComments(repo, pr.number)[1]?.body ?? ""),
    );
    const reply = botComments(repo, pr.number)[1]?.body ?? "";
    expect(reply).toContain("terraform_data.app_1");
    expect(reply).not.toContain("terraform_data.net_1");
  });

  it("`/plan -p nope` says which projects exist and fails the check", async () => {
    const { repo, pr } = await plannedPr();
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan -p nope" });
    await h.sim.waitFor(() => /no project named/.test(botComments(repo, pr.number)[1]?.body ?? ""));
    expect(botComments(repo, pr.number)[1]?.body).toContain("`net`");
  });

  it("blocked extra args are refused with the reason and nothing runs", async () => {
    const { repo, pr } = await plannedPr();
    const runs = h.sim.checkRuns(repo, pr.headSha).length;
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan -- -chdir=/etc" });
    await h.sim.waitFor(() => botComments(repo, pr.number).length === 2);
    expect(botComments(repo, pr.number)[1]?.body).toContain("`-chdir` is not allowed");
    await settle();
    expect(h.sim.checkRuns(repo, pr.headSha)).toHaveLength(runs);
  });

  it("allowed extra args reach terraform: -var changes the plan", async () => {
    const repo = await repoWith({
      "net/main.tf": `variable "size" {\n  default = "s"\n}\nresource "terraform_data" "x" {\n  input = var.size\n}\n`,
    });
    const pr = await openPr(repo, {
      "net/main.tf": `variable "size" {\n  default = "m"\n}\nresource "terraform_data" "x" {\n  input = var.size\n}\n`,
    });
    await finalCheck(repo, pr.headSha);
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan -- -var size=xl" });
    await h.sim.waitFor(() => /Plan: 1 to add/.test(botComments(repo, pr.number)[1]?.body ?? ""));
    expect(botComments(repo, pr.number)[1]?.body).toContain('"xl"');
  });

  it("/help answers with usage; an unknown command gets a short usage reply", async () => {
    const { repo, pr } = await plannedPr();
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/help" });
    await h.sim.waitFor(() => botComments(repo, pr.number).length === 2);
    expect(botComments(repo, pr.number)[1]?.body).toContain("/plan");
    const { commentId } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/deploy now" });
    await h.sim.waitFor(() => botComments(repo, pr.number).length === 3);
    expect(botComments(repo, pr.number)[2]?.body).toContain("unknown command `/deploy`");
    await h.sim.waitFor(() => h.sim.reactions(commentId).includes("confused"));
  });

  it("ignores edited and deleted comments, bots, and commands not on the first line", async () => {
    const { repo, pr } = await plannedPr();
    h.sim.addUser("renovate[bot]", { type: "Bot" });
    const quiet = [
      await h.sim.comment(repo, pr.number, { user: "bob", body: "Looks good.\n/plan" }),
      await h.sim.comment(repo, pr.number, { user: "renovate[bot]", body: "/plan" }),
    ];
    const c = await h.sim.comment(repo, pr.number, { user: "bob", body: "note" });
    const edited = await h.sim.editComment(repo, c.commentId, { body: "/plan" });
    const deleted = await h.sim.deleteComment(repo, c.commentId);
    for (const d of [...quiet.map((q) => q.delivery), edited.delivery, deleted.delivery]) expect(d.status).toBe(202);
    await settle();
    expect(botComments(repo, pr.number).map((b) => b.body.slice(0, 300))).toHaveLength(1);
  });
});

describe("ingress", () => {
  it("a signed comment replayed under a new delivery id runs once", async () => {
    const repo = await repoWith({ "net/main.tf": tfProject("net") });
    const pr = await openPr(repo, { "net/main.tf": tfProject("net", 2) });
    await finalCheck(repo, pr.headSha);
    const { delivery } = await h.sim.comment(repo, pr.number, { user: "bob", body: "/help" });
    await h.sim.waitFor(() => botComments(repo, pr.number).length === 2);
    const replay = await h.sim.redeliver(delivery.deliveryId, { asNewId: "11111111-2222-3333-4444-555555555555" });
    expect(replay.status).toBe(202);
    await settle();
    expect(botComments(repo, pr.number)).toHaveLength(2);
  });

  it("a bad signature gets 401 and nothing else happens", async () => {
    const repo = await repoWith({ "net/main.tf": tfProject("net") });
    await h.sim.pushBranch(repo, { branch: "x", files: { "net/main.tf": tfProject("net", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "x", author: "alice", draft: true });
    await settle();
    const callsBefore = h.sim.calls.length;
    const payload = {
      action: "created",
      issue: { number: pr.number, pull_request: {} },
      comment: { id: 1, body: "/plan", user: { login: "bob", type: "User" } },
      repository: { name: repo.name, owner: { login: "acme" }, clone_url: repo.cloneUrl },
      installation: { id: h.sim.installationId },
      sender: { login: "bob" },
    };
    const wrong = await h.sim.deliver("issue_comment", payload, { signature: `sha256=${"0".repeat(64)}` });
    const none = await h.sim.deliver("issue_comment", payload, { signature: null });
    const sha1 = await h.sim.deliver("issue_comment", payload, { sha1Only: true });
    expect([wrong.status, none.status, sha1.status]).toEqual([401, 401, 401]);
    await settle();
    expect(h.sim.calls.slice(callsBefore)).toEqual([]);
    expect(botComments(repo, pr.number)).toHaveLength(0);
  });
});
