import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nextSecond } from "./trust-holes-support.js";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let stateDir: string;
let n = 0;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: [approved, mergeable, undiverged]\napprovals: 1\n" });
  stateDir = h.stateDir;
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function completed(repo: Repo, sha: string, name: string, count = 1) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed").length >= count, {
    message: `no completed ${name} (#${count}) on ${sha.slice(0, 7)}`,
    timeoutMs: 90_000,
  });
  const done = h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
  return done[done.length - 1] as (typeof done)[number];
}

/** A repo with one stateful project `net`, and an open, planned PR that grows it to 2 resources. */
async function plannedPr(opts: { extra?: string } = {}) {
  n++;
  const state = join(stateDir, `net-${n}.tfstate`);
  const owner = "acme";
  const name = `apply-${n}`;
  for (const [u, role] of [
    ["alice", "write"],
    ["bob", "write"],
    ["rita", "read"],
  ] as const) {
    h.sim.setPermission(`${owner}/${name}`, u, role);
  }
  const repo = await h.sim.createRepo({ owner, name, files: { "net/main.tf": statefulProject("net", state, 0) } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2, opts.extra) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice", title: "grow net" });
  await completed(repo, pr.headSha, "sluice/plan");
  return { repo, pr, state };
}

async function comment(repo: Repo, pr: number, user: string, body: string) {
  const before = bot(repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  await h.sim.waitFor(
    () =>
      bot(repo, pr).length > before &&
      /·\s*(✅|❌|⛔|⚠️)|Nothing to apply|Not applied|already in progress/.test(bot(repo, pr)[before]?.body ?? ""),
    {
      message: `no finished reply to ${body}: ${JSON.stringify(
        bot(repo, pr)
          .slice(before)
          .map((c) => c.body.slice(0, 400)),
      )}`,
      timeoutMs: 90_000,
    },
  );
  return bot(repo, pr)[before]?.body ?? "";
}

describe("apply", () => {
  it("plan, approve, apply: the state changes, sluice/apply succeeds, the comment says applied", async () => {
    const { repo, pr, state } = await plannedPr();
    expect(await stateResources(state)).toEqual([]);
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await comment(repo, pr.number, "bob", "/apply");
    expect(reply).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("success");
    // The plan is used once: a second apply has nothing to apply.
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("Nothing to apply");
  });

  it("without an approval: refused with what is missing, state untouched", async () => {
    const { repo, pr, state } = await plannedPr();
    const reply = await comment(repo, pr.number, "bob", "/apply");
    expect(reply).toContain("needs 1 more approval");
    expect(await stateResources(state)).toEqual([]);
    expect((await completed(repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
  });

  it("the author's own approval does not count", async () => {
    const { repo, pr, state } = await plannedPr();
    await h.sim.approve(repo, pr.number, "alice");
    expect(await comment(repo, pr.number, "alice", "/apply")).toContain("needs 1 more approval");
    expect(await stateResources(state)).toEqual([]);
  });

  it("a later 'changes requested' by the same reviewer cancels the approval", async () => {
    const { repo, pr, state } = await plannedPr();
    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.requestChanges(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("needs 1 more approval");
    expect(await stateResources(state)).toEqual([]);
  });

  it("mergeable: a PR that branch protection blocks for want of its required reviews is refused; the reviews it asks for let it apply", async () => {
    const { repo, pr, state } = await plannedPr();
    // Sluice asks for one approval; the base branch's protection asks for two.
    h.sim.protectBranch(repo, "main", { requiredReviews: 2 });
    h.sim.setPermission(repo, "carol", "write");
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("lacks the approving reviews its base branch's protection requires");
    expect(await stateResources(state)).toEqual([]);
    // Control: the second review branch protection requires.
    await h.sim.approve(repo, pr.number, "carol");
    expect(await comment(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("mergeable: when GitHub's GraphQL answers what blocks the PR with an error, the apply is refused (fail closed) saying what GitHub said", async () => {
    const { repo, pr, state } = await plannedPr();
    // Blocked for want of a second review: read as 'no review rule', the error would let it apply.
    h.sim.protectBranch(repo, "main", { requiredReviews: 2 });
    await h.sim.approve(repo, pr.number, "bob");
    const errors = [{ type: "FORBIDDEN", path: ["repository", "pullRequest"], message: "Resource not accessible by integration" }];
    h.sim.failNext({ method: "POST", pathPattern: /^\/graphql$/, status: 200, body: { data: null, errors } });
    const said = await comment(repo, pr.number, "bob", "/apply");
    expect(said).toContain("⛔");
    expect(said).toContain("what blocks it could not be read (reading what blocks #");
    expect(said).toContain("Resource not accessible by integration");
    expect(said).not.toMatch(/\bat .*\.ts:\d+/);
    expect(await stateResources(state)).toEqual([]);
  });

  it("mergeable: a required commit status (Status API) that failed refuses the apply, naming it; once it passes, the PR applies", async () => {
    const { repo, pr, state } = await plannedPr();
    h.sim.protectBranch(repo, "main", { requiredChecks: ["ci/jenkins"] });
    h.sim.postStatus(repo, pr.headSha, { context: "ci/jenkins", state: "failure" });
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("required status `ci/jenkins` (failure) has not passed");
    expect(await stateResources(state)).toEqual([]);
    // Control: the same PR once Jenkins reports success.
    h.sim.postStatus(repo, pr.headSha, { context: "ci/jenkins", state: "success" });
    expect(await comment(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("mergeable: a required check that never reported refuses the apply, named from the branch's protection, whatever Sluice's own checks say", async () => {
    const { repo, pr, state } = await plannedPr();
    h.sim.protectBranch(repo, "main", { requiredChecks: ["ci/build"] });
    await h.sim.approve(repo, pr.number, "bob");
    // Another app's pending `sluice/apply` run is not Sluice's: it explains nothing.
    h.sim.postOtherAppCheck(repo, pr.headSha, { name: "sluice/apply", status: "in_progress" });
    const reply = await comment(repo, pr.number, "bob", "/apply");
    expect(reply).toContain("the base branch requires check `ci/build`, not reported on its head commit yet");
    expect(await stateResources(state)).toEqual([]);
    // Control: once it reports success, the PR applies.
    h.sim.postOtherAppCheck(repo, pr.headSha, { name: "ci/build", status: "completed", conclusion: "success" });
    expect(await comment(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("mergeable: a check a ruleset requires that never reported refuses the apply, though Sluice's own required sluice/apply is pending", async () => {
    const { repo, pr, state } = await plannedPr();
    // A PR that keeps its required CI from running (its workflow edited, say): only sluice/apply is pending.
    h.sim.protectBranch(repo, "main", { requiredChecks: ["sluice/apply", "ci/build"], viaRuleset: true });
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("the base branch requires check `ci/build`, not reported");
    expect(await stateResources(state)).toEqual([]);
    // Control: once CI reports, Sluice's own pending check is all that holds it, and it applies.
    h.sim.postStatus(repo, pr.headSha, { context: "ci/build", state: "success" });
    expect(await comment(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("mergeable: a required check whose source is another app is not satisfied by a workflow job of its name", async () => {
    const { repo, pr, state } = await plannedPr();
    h.sim.protectBranch(repo, "main", { requiredChecks: ["sluice/apply", "ci/build"], requiredApps: { "ci/build": "jenkins" } });
    await h.sim.approve(repo, pr.number, "bob");
    // The PR's own workflow job named like the required check: GitHub still waits for Jenkins'.
    h.sim.postOtherAppCheck(repo, pr.headSha, { name: "ci/build", status: "completed", conclusion: "success", app: "github-actions" });
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("the base branch requires check `ci/build`, not reported");
    expect(await stateResources(state)).toEqual([]);
    // Control: Jenkins' own run of it.
    h.sim.postOtherAppCheck(repo, pr.headSha, { name: "ci/build", status: "completed", conclusion: "success", app: "jenkins" });
    expect(await comment(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("mergeable: a PR blocked only by Sluice's own required check (sluice/apply, pending until the apply) applies", async () => {
    const { repo, pr, state } = await plannedPr();
    h.sim.protectBranch(repo, "main", { requiredChecks: ["sluice/plan", "sluice/apply"] });
    h.sim.postStatus(repo, pr.headSha, { context: "ci/lint", state: "failure" });
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("a read-only user cannot apply, even with an approval", async () => {
    const { repo, pr, state } = await plannedPr();
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await comment(repo, pr.number, "rita", "/apply");
    expect(reply).toContain("needs write access");
    expect(await stateResources(state)).toEqual([]);
  });

  it("a branch behind its base is refused (undiverged), state untouched", async () => {
    const { repo, pr, state } = await plannedPr();
    await h.sim.pushBranch(repo, { branch: "main", files: { "docs/README.md": "moved on\n" } });
    // Base moved: the old plan is refused; a new plan still cannot apply while the branch is behind.
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("base branch moved");
    await comment(repo, pr.number, "bob", "/plan");
    const reply = await comment(repo, pr.number, "bob", "/apply");
    expect(reply).toContain("behind its base branch");
    expect(await stateResources(state)).toEqual([]);
  });

  it("plan at A, push B unseen, apply: refused as stale; plan again and apply works", async () => {
    const { repo, pr, state } = await plannedPr();
    h.sim.setWebhookTarget("http://127.0.0.1:9"); // the push's webhook is lost
    const push = await h.sim.pushToPullRequest(repo, pr.number, { "net/extra.tf": tfProject("extra") });
    h.sim.setWebhookTarget(h.app.url);
    await h.sim.approve(repo, pr.number, "bob");
    const reply = await comment(repo, pr.number, "bob", "/apply");
    expect(reply).toContain("stale");
    expect(await stateResources(state)).toEqual([]);
    // Review times have whole seconds: the new plan must be made in a later second than the approval.
    await nextSecond();
    await comment(repo, pr.number, "bob", "/plan");
    // The approval came before this new plan: it does not cover it (issue #10, rule 2).
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("approved before this plan was made");
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.extra_0", "terraform_data.net_0", "terraform_data.net_1"]);
    expect((await completed(repo, push.headSha, "sluice/apply", 3)).conclusion).toBe("success");
  });

  it("duplicate /apply deliveries and two /apply comments 50 ms apart: exactly one apply", async () => {
    const marker = join(stateDir, `applied-${n + 1}.log`);
    const extra = `\nresource "terraform_data" "count" {\n  provisioner "local-exec" {\n    command = "echo applied >> ${marker}"\n  }\n}\n`;
    const { repo, pr } = await plannedPr({ extra });
    await h.sim.approve(repo, pr.number, "bob");
    const first = h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await new Promise((r) => setTimeout(r, 50));
    const second = h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    const [a] = await Promise.all([first, second]);
    await h.sim.redeliver(a.delivery.deliveryId);
    await h.sim.redeliver(a.delivery.deliveryId);
    await completed(repo, pr.headSha, "sluice/apply");
    await h.sim.waitFor(
      () => bot(repo, pr.number).length >= 3 && bot(repo, pr.number).every((c) => !/queued|running/i.test(c.body.split("\n")[1] ?? "")),
      { timeoutMs: 60_000 },
    );
    await untilIdle(h.app.dataDir);
    expect((await readFile(marker, "utf8")).trim().split("\n")).toEqual(["applied"]);
    // Plan comment + one reply per /apply comment; redeliveries add nothing.
    expect(bot(repo, pr.number)).toHaveLength(3);
  });
});

describe("GitHub down while the result is posted", () => {
  it("an apply that finished while GitHub was down is reported once GitHub answers, and ran once", async () => {
    const marker = join(stateDir, `down-${n + 1}.log`);
    // The apply waits for `go`, written once the faults are armed: a 2 s sleep left a window a busy
    // machine could miss (the result posted first, the faults left for the next test).
    const go = join(stateDir, `down-go-${n + 1}`);
    const extra = `\nresource "terraform_data" "slow" {\n  provisioner "local-exec" {\n    command = "until [ -e ${go} ]; do sleep 0.05; done; echo applied >> ${marker}"\n  }\n}\n`;
    const { repo, pr } = await plannedPr({ extra });
    await h.sim.approve(repo, pr.number, "bob");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/apply" && c.status === "in_progress"));
    // More failures than one call's retries: the first attempt to post the result gives up.
    h.sim.failNext({ method: "PATCH", pathPattern: /\/issues\/comments\/\d+$/, status: 502, times: 10 });
    await writeFile(go, "");
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("success");
    expect(bot(repo, pr.number)[1]?.body).toMatch(/applied/i);
    expect((await readFile(marker, "utf8")).trim().split("\n")).toEqual(["applied"]);
    expect(h.app.output()).toContain("posting the result failed, trying again");
  });
});

describe("child environment", () => {
  it("terraform (and a PR's local-exec) never sees the app's private key, webhook secret or installation token", async () => {
    const dump = join(stateDir, `env-${n + 1}.txt`);
    const extra = `\nresource "terraform_data" "spy" {\n  provisioner "local-exec" {\n    command = "env > ${dump}"\n  }\n}\n`;
    const { repo, pr } = await plannedPr({ extra });
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toMatch(/applied/i);
    const env = await readFile(dump, "utf8");
    // The dump is real: it has what Sluice does give terraform.
    expect(env).toContain("TF_IN_AUTOMATION=1");
    expect(env).toContain("TF_DATA_DIR=");
    expect(env).not.toContain(h.secret);
    expect(env).not.toContain("BEGIN RSA PRIVATE KEY");
    expect(env).not.toContain(h.sim.privateKeyPem.split("\n")[1] ?? "unreachable");
    expect(h.sim.issuedTokens.length).toBeGreaterThan(0);
    for (const token of h.sim.issuedTokens) expect(env).not.toContain(token);
    expect(env).not.toMatch(/^(WEBHOOK_SECRET|PRIVATE_KEY|APP_ID|GHE_HOST)=/m);
  });
});

describe("locks", () => {
  it("a second PR on a locked project is told who holds it, and is re-planned when the first closes", async () => {
    const { repo, pr } = await plannedPr();
    await h.sim.pushBranch(repo, { branch: "other", from: "main", files: { "net/other.tf": tfProject("other") } });
    const second = await h.sim.openPullRequest(repo, { head: "other", author: "bob", title: "other" });
    const check = await completed(repo, second.headSha, "sluice/plan");
    expect(check.conclusion).toBe("failure");
    const body = bot(repo, second.number)[0]?.body ?? "";
    // A plain reference to the holder, which GitHub links itself (no zero-width space after `#`).
    expect(body).toContain(`locked by #${pr.number}:`);
    await h.sim.closePullRequest(repo, pr.number);
    const replanned = await completed(repo, second.headSha, "sluice/plan", 2);
    expect(replanned.conclusion).toBe("success");
    expect(bot(repo, second.number)[1]?.body).toContain("terraform_data.other_0");
  });

  it("/unlock says exactly what it released and lets another PR plan", async () => {
    const { repo, pr } = await plannedPr();
    const reply = await (async () => {
      await h.sim.comment(repo, pr.number, { user: "alice", body: "/unlock" });
      await h.sim.waitFor(() => bot(repo, pr.number).length === 2);
      return bot(repo, pr.number)[1]?.body ?? "";
    })();
    expect(reply).toContain("Released 1 lock");
    expect(reply).toContain("`net`");
    // Its plan went with the lock.
    await h.sim.approve(repo, pr.number, "bob");
    expect(await comment(repo, pr.number, "bob", "/apply")).toContain("Nothing to apply");
  });
});
