import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { newRepo, planComment, plannedPr } from "./teardown-support.js";
import { bot, completed, nextSecond, type Repo, say, seedState } from "./trust-holes-support.js";

// Rules that read the plan, with real terraform plans: `protect` on every road, `auto_approve`,
// a destroy plan's own rule, and agents that may plan but never apply or approve.

let h: Harness;
const PEOPLE = [
  ["alice", "admin"],
  ["bob", "write"],
  ["carol", "write"],
  ["ci-agent", "write"],
  ["renovate[bot]", "write"],
] as const;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "apply_requirements: [approved]",
      "admins: [alice]",
      'agents: ["*[bot]", ci-agent]',
      'protect: ["terraform_data.db*"]',
      "allow_destroy: true",
      "allowed_overrides: [auto_approve, apply_on, drift]",
      "drift:",
      // Never due by itself while the tests run: each check is asked for with `/drift`.
      '  schedule: "0 0 1 1 *"',
      "destroy:",
      "  approvals: 1",
      "  window:",
      // Always inside a deny window: a destroy plan is refused whenever it is asked.
      '    deny: "* * * * *"',
      "    duration: 1h",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
});

/** A database whose `triggers_replace` forces a replace when it changes. */
const db = (stateFile: string, version: string) =>
  statefulProject("app", stateFile, 0, `resource "terraform_data" "db" {\n  triggers_replace = "${version}"\n}\n`);

function audit(repo: Repo): { action: string; actor: string; detail: string }[] {
  const sqlite = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return sqlite.prepare("SELECT action, actor, detail FROM audit_events WHERE repo = ? ORDER BY id").all(repo.fullName) as {
      action: string;
      actor: string;
      detail: string;
    }[];
  } finally {
    sqlite.close();
  }
}

const allowed = (repo: Repo) => audit(repo).filter((e) => e.action === "gate-allowed");

describe("protect", { timeout: 300_000 }, () => {
  it("a protected resource's replace is refused on the comment and button roads; an owner's override applies it, audited", async () => {
    const { repo, state } = await newRepo(h, "protect-pr", PEOPLE, (s) => ({ "app/main.tf": db(s("app"), "v1") }));
    await seedState(db(state("app"), "v1"));
    const pr = await plannedPr(h, repo, { "app/main.tf": db(state("app"), "v2") });
    expect(planComment(h, repo, pr.number)).toContain("🛡️ protected: replaces `terraform_data.db`; needs an owner's override");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");

    const typed = await say(h, repo, pr.number, "bob", "/apply", "⛔ refused");
    expect(typed).toContain("protected: the plan replaces `terraform_data.db` (protect: `terraform_data.db*`)");
    expect(typed).toContain("by one of `alice`");

    const check = h.sim.checkRuns(repo, pr.headSha).find((c) => c.name === "sluice/plan");
    await h.sim.clickCheckAction(repo, check?.id ?? 0, "apply", "carol");
    await h.sim.waitFor(() => audit(repo).some((e) => e.action === "gate-refused" && e.detail.startsWith("road: button; rule: protect")), {
      message: "the button's apply was not refused by protect",
    });

    const notOwner = await say(h, repo, pr.number, "bob", "/apply --override-protect -- it is fine", "⛔ refused");
    expect(notOwner).toContain("is not an owner");
    expect(await readFile(state("app"), "utf8")).toContain('"v1"');

    const applied = await say(h, repo, pr.number, "alice", "/apply --override-protect -- moving to the new schema, backup taken");
    expect(applied).toMatch(/✅ applied/);
    expect(await readFile(state("app"), "utf8")).toContain('"v2"');
    expect(allowed(repo).at(-1)?.detail).toContain(
      "protection overridden by @alice (replaces terraform_data.db): moving to the new schema, backup taken",
    );
  });

  it("a protected resource's replace is refused on apply on merge", async () => {
    const { repo, state } = await newRepo(h, "protect-merge", PEOPLE, (s) => ({
      ".sluice.yaml": "version: 1\napply_on: merge\n",
      "app/main.tf": db(s("app"), "v1"),
    }));
    await seedState(db(state("app"), "v1"));
    const pr = await plannedPr(h, repo, { "app/main.tf": db(state("app"), "v2") });
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    await h.sim.mergePullRequest(repo, pr.number, { user: "bob" });
    const check = await completed(h, repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("failure");
    expect(audit(repo).some((e) => e.action === "gate-refused" && e.detail.startsWith("road: merge; rule: protect"))).toBe(true);
    expect(await readFile(state("app"), "utf8")).toContain('"v1"');
  });

  it("reconcile does not replace a protected resource, nor does `/apply` on its drift issue", async () => {
    const { repo, state } = await newRepo(h, "protect-reconcile", PEOPLE, (s) => ({
      ".sluice.yaml": "version: 1\ndrift:\n  on_drift: apply\n  allow_destroy: true\n",
      "app/main.tf": db(s("app"), "v1"),
    }));
    await seedState(db(state("app"), "v1"));
    await h.sim.pushDefaultBranch(repo, { "app/main.tf": db(state("app"), "v2") });
    const host = h.sim.openIssue(repo, { title: "drift host", author: "alice" });
    const report = await say(h, repo, host.number, "alice", "/drift", "**Drift check**");
    expect(report).toContain("not reconciled, ⛔ refused: protected: the plan replaces `terraform_data.db`");
    expect(await readFile(state("app"), "utf8")).toContain('"v1"');
    const issue = h.sim.issues(repo).find((i) => i.labels.includes("sluice:drift") && i.state === "open");
    expect(issue, report).toBeDefined();
    const refused = await say(h, repo, issue?.number ?? 0, "alice", "/apply", "⛔ refused");
    expect(refused).toContain("protected: the plan replaces `terraform_data.db`");
    expect(await readFile(state("app"), "utf8")).toContain('"v1"');
  });
});

const AUTO = [
  "version: 1",
  "projects:",
  "  - name: small",
  "    dir: small",
  "    auto_approve: {when: [no_destroy], types: [terraform_data], max_changes: 2}",
  "  - name: big",
  "    dir: big",
  "    auto_approve: {when: [no_destroy], types: [terraform_data], max_changes: 2}",
  "  - name: quiet",
  "    dir: quiet",
  "    auto_approve: {when: [empty]}",
  "",
].join("\n");

describe("auto_approve", { timeout: 300_000 }, () => {
  it("a small change within the rule is applied without a review, and the audit names the rule; a bigger one waits", async () => {
    const { repo, state } = await newRepo(h, "auto-small", PEOPLE, (s) => ({
      ".sluice.yaml": AUTO,
      "small/main.tf": statefulProject("small", s("small"), 0),
      "big/main.tf": statefulProject("big", s("big"), 0),
    }));
    const pr = await plannedPr(h, repo, {
      "small/main.tf": statefulProject("small", state("small"), 1),
      "big/main.tf": statefulProject("big", state("big"), 3),
    });
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("✅ auto-approved: nothing is destroyed or replaced (at most 2 changes, types `terraform_data`)");
    expect(plan).toContain("not auto-approved: 3 changes, more than `max_changes: 2`");

    const small = await say(h, repo, pr.number, "bob", "/apply -p small");
    expect(small).toMatch(/✅ applied/);
    expect(await stateResources(state("small"))).toEqual(["terraform_data.small_0"]);
    expect(allowed(repo).at(-1)?.detail).toContain(
      "auto-approved: nothing is destroyed or replaced (at most 2 changes, types `terraform_data`) (auto_approve from .sluice.yaml (project small))",
    );

    const big = await say(h, repo, pr.number, "bob", "/apply -p big", "⛔ refused");
    expect(big).toContain("needs 1 more approval");
    expect(big).toContain("not auto-approved: 3 changes");
    expect(await stateResources(state("big"))).toEqual([]);
  });

  it("an empty plan is auto-approved", async () => {
    const { repo, state } = await newRepo(h, "auto-empty", PEOPLE, (s) => ({
      ".sluice.yaml": AUTO,
      "quiet/main.tf": statefulProject("quiet", s("quiet"), 1),
    }));
    await seedState(statefulProject("quiet", state("quiet"), 1));
    const pr = await plannedPr(h, repo, { "quiet/main.tf": `# a comment changes nothing\n${statefulProject("quiet", state("quiet"), 1)}` });
    expect(planComment(h, repo, pr.number)).toContain("✅ auto-approved: the plan changes nothing");
    const reply = await say(h, repo, pr.number, "bob", "/apply");
    expect(reply).not.toContain("⛔");
    expect(allowed(repo).at(-1)?.detail).toContain(
      "auto-approved: the plan changes nothing (auto_approve from .sluice.yaml (project quiet))",
    );
  });
});

describe("agents", { timeout: 300_000 }, () => {
  it("an agent's pull request is marked; its /apply and an agent's approval are refused, a human's approval is accepted", async () => {
    const { repo, state } = await newRepo(h, "agent-pr", PEOPLE, (s) => ({
      ".sluice.yaml": AUTO,
      "small/main.tf": statefulProject("small", s("small"), 0),
    }));
    const pr = await plannedPr(h, repo, { "small/main.tf": statefulProject("small", state("small"), 1) }, "renovate[bot]");
    const plan = planComment(h, repo, pr.number);
    expect(plan).toContain("proposed by the agent");
    // auto_approve's rule holds for this plan, and is not offered: an agent's change needs a human.
    expect(plan).not.toContain("auto-approved");
    expect(audit(repo).some((e) => e.action === "agent-proposed" && e.detail.includes("@renovate[bot]"))).toBe(true);

    // GitHub Apps' comments (`renovate[bot]`) are never commands; an agent that is a user account is told.
    const agentApply = await say(h, repo, pr.number, "ci-agent", "/apply", "⛔ refused");
    expect(agentApply).toContain("is an agent (server setting `agents`): an agent may open pull requests and plan, never apply");

    await nextSecond();
    await h.sim.approve(repo, pr.number, "ci-agent");
    const agentApproved = await say(h, repo, pr.number, "bob", "/apply", "⛔ refused");
    expect(agentApproved).toContain("needs 1 more approval");
    expect(agentApproved).toContain("is an agent (server setting `agents`), whose approval never counts");
    expect(agentApproved).toContain("needs a human's approval of the current commit");
    expect(await stateResources(state("small"))).toEqual([]);

    await h.sim.approve(repo, pr.number, "carol");
    const applied = await say(h, repo, pr.number, "bob", "/apply");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(state("small"))).toEqual(["terraform_data.small_0"]);
    const last = allowed(repo).at(-1)?.detail ?? "";
    expect(last).toContain("approvers: carol");
    expect(last).toContain("proposed by agent @renovate[bot]");
  });
});

describe("an agent's push to a person's pull request", { timeout: 300_000 }, () => {
  it("a plan the author makes after it still needs a human's approval, whatever auto_approve says", async () => {
    const { repo, state } = await newRepo(h, "agent-push", PEOPLE, (s) => ({
      ".sluice.yaml": AUTO,
      "small/main.tf": statefulProject("small", s("small"), 0),
    }));
    const pr = await plannedPr(h, repo, { "small/main.tf": statefulProject("small", state("small"), 1) });
    const pushed = await h.sim.pushBranch(repo, {
      branch: "change",
      files: { "small/main.tf": statefulProject("small", state("small"), 2) },
      pusher: "renovate[bot]",
    });
    await completed(h, repo, pushed, "sluice/plan");
    // bob plans the agent's commit again: the plan is his job's, the code the agent's.
    const replanned = await say(h, repo, pr.number, "bob", "/plan");
    expect(replanned).toContain("🤖 proposed by the agent @\u200brenovate\\[bot\\]");
    const refused = await say(h, repo, pr.number, "bob", "/apply", "⛔ refused");
    expect(refused).toContain("needs a human's approval of the current commit");
    expect(await stateResources(state("small"))).toEqual([]);

    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    expect(await say(h, repo, pr.number, "bob", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state("small"))).toEqual(["terraform_data.small_0", "terraform_data.small_1"]);
  });

  /** bob's pull request, then a push by `pusher` whose webhook never reaches Sluice, then bob's `/plan` of it. */
  async function unheardPush(name: string, pusher: string) {
    const { repo, state } = await newRepo(h, name, PEOPLE, (s) => ({
      ".sluice.yaml": AUTO,
      "small/main.tf": statefulProject("small", s("small"), 0),
    }));
    const pr = await plannedPr(h, repo, { "small/main.tf": statefulProject("small", state("small"), 1) });
    h.sim.setWebhookTarget("http://127.0.0.1:9");
    try {
      await h.sim.pushBranch(repo, { branch: "change", files: { "small/main.tf": statefulProject("small", state("small"), 2) }, pusher });
    } finally {
      h.sim.setWebhookTarget(h.app.url);
    }
    // GitHub's times are whole seconds: an `/apply` in the push's second reads as written before it.
    await nextSecond();
    return { repo, state, pr, replanned: await say(h, repo, pr.number, "bob", "/plan") };
  }

  it("its push never heard: bob's plan of it is the agent's all the same, and auto_approve does not take it", async () => {
    const { repo, state, pr, replanned } = await unheardPush("agent-push-lost", "renovate[bot]");
    expect(replanned).toContain("🤖 proposed by the agent @\u200brenovate\\[bot\\]");
    const refused = await say(h, repo, pr.number, "bob", "/apply", "⛔ refused");
    expect(refused).toContain("needs a human's approval of the current commit");
    expect(await stateResources(state("small"))).toEqual([]);
  });

  it("control: a person's push never heard: bob's plan of it is auto-approved and applies", async () => {
    const { repo, state, pr, replanned } = await unheardPush("person-push-lost", "carol");
    expect(replanned).not.toContain("proposed by the agent");
    expect(replanned).toContain("✅ auto-approved");
    expect(await say(h, repo, pr.number, "bob", "/apply")).toMatch(/✅ applied/);
    expect(await stateResources(state("small"))).toEqual(["terraform_data.small_0", "terraform_data.small_1"]);
  });
});

describe("destroy", { timeout: 300_000 }, () => {
  it("a destroy plan outside its own window is refused, approvals or not", async () => {
    const { repo, state } = await newRepo(h, "destroy-window", PEOPLE, (s) => ({ "web/main.tf": statefulProject("web", s("web"), 1) }));
    await seedState(statefulProject("web", state("web"), 1));
    const pr = await plannedPr(h, repo, { "web/main.tf": `# teardown\n${statefulProject("web", state("web"), 1)}` });
    await say(h, repo, pr.number, "bob", "/plan -destroy -p web");
    expect(bot(h, repo, pr.number).at(-1)?.body).toContain("🧨 destroy rule: needs 1 approval, inside its window `not * * * * *`");
    await nextSecond();
    await h.sim.approve(repo, pr.number, "carol");
    const refused = await say(h, repo, pr.number, "bob", "/apply", "⛔ refused");
    // Every minute for an hour: its occurrences overlap for good, so no end is named.
    expect(refused).toContain(
      "outside the destroy window: a deny window (`* * * * *`, Etc/UTC) is on, its occurrences overlapping with no end in sight",
    );
    expect(await stateResources(state("web"))).toEqual(["terraform_data.web_0"]);
  });
});
