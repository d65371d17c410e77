import { describe, expect, it } from "vitest";
import { parseComment } from "../../src/command/parse-comment.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { RepoConfig } from "../../src/model/repo-config.js";
import { mergeGroupPulls } from "../../src/ingress/check-event-to-job.js";
import { eventToJob } from "../../src/ingress/event-to-job.js";
import { APPLY_ACTION, applyActions, offersApply } from "../../src/job-output/check-actions.js";
import type { ProjectResult } from "../../src/model/project-result.js";
import { renderCheck } from "../../src/render/render-check.js";
import { renderComments } from "../../src/render/render-comment.js";
import { createRedactor } from "../../src/util/redact.js";

const envelope = {
  installation: { id: 1 },
  repository: { owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
  sender: { login: "bob", type: "User" },
};
const SHA = "a".repeat(40);
const settings = { autoplanDrafts: false };
const decide = (event: string, payload: object) => eventToJob(event, { ...envelope, ...payload }, settings);

describe("check events to jobs", () => {
  it("the Apply button is a bare /apply by the clicking user, bound to the clicked run's commit", () => {
    const d = decide("check_run", {
      action: "requested_action",
      check_run: { name: "sluice/plan", head_sha: SHA, pull_requests: [{ number: 7 }] },
      requested_action: { identifier: "apply" },
    });
    expect(d).toEqual({
      job: {
        target: {
          installationId: 1,
          repo: { owner: "acme", name: "infra" },
          cloneUrl: "http://git/acme/infra.git",
          pr: 7,
          payloadHeadSha: SHA,
        },
        spec: { kind: "apply", trigger: "button", actor: "bob", checkSha: SHA },
      },
    });
  });

  it("a click names the job that made the check run (its external id), and only a Sluice job's id", () => {
    const click = (external_id: string | null) =>
      decide("check_run", {
        action: "requested_action",
        check_run: {
          id: 55,
          name: "sluice/plan",
          head_sha: SHA,
          completed_at: "2026-11-26T10:00:00Z",
          conclusion: "success",
          external_id,
          pull_requests: [{ number: 7 }, { number: 9 }],
        },
        requested_action: { identifier: "apply" },
      });
    const clicked = (d: ReturnType<typeof click>) => ("job" in d && d.job.spec.kind === "apply" ? d.job.spec.clicked : undefined);
    expect(clicked(click("sluice-job-12"))).toEqual({
      checkRunId: 55,
      completedAt: "2026-11-26T10:00:00Z",
      conclusion: "success",
      madeBy: 12,
    });
    expect(clicked(click("sluice-job-12x"))?.madeBy).toBeUndefined();
    expect(clicked(click(null))?.madeBy).toBeUndefined();
  });

  it("a re-run of a check run names the job that made it; a re-run of the suite names none", () => {
    const rerun = (event: "check_run" | "check_suite", external_id: string | null) =>
      decide(event, {
        action: "rerequested",
        [event]: { id: 56, name: "sluice/plan", head_sha: SHA, external_id, pull_requests: [{ number: 7 }, { number: 9 }] },
      });
    const of = (d: ReturnType<typeof rerun>) => ("job" in d && d.job.spec.kind === "plan" ? d.job.spec : undefined);
    expect(of(rerun("check_run", "sluice-job-12"))).toMatchObject({ trigger: "rerun", rerunOf: { checkRunId: 56, madeBy: 12 } });
    expect(of(rerun("check_run", "other-12"))?.rerunOf).toEqual({ checkRunId: 56 });
    expect(of(rerun("check_suite", "sluice-job-12"))).toMatchObject({ trigger: "rerun" });
    expect(of(rerun("check_suite", "sluice-job-12"))?.rerunOf).toBeUndefined();
  });

  it.each<[string, string, object, string]>([
    [
      "another check's action",
      "check_run",
      {
        action: "requested_action",
        check_run: { name: "ci", head_sha: SHA, pull_requests: [{ number: 7 }] },
        requested_action: { identifier: "apply" },
      },
      "ignore",
    ],
    [
      "an unknown action",
      "check_run",
      {
        action: "requested_action",
        check_run: { name: "sluice/plan", head_sha: SHA, pull_requests: [{ number: 7 }] },
        requested_action: { identifier: "destroy" },
      },
      "ignore",
    ],
    [
      "a click with no PR listed (a fork's): found by the commit in the job",
      "check_run",
      {
        action: "requested_action",
        check_run: { name: "sluice/plan", head_sha: SHA, pull_requests: [] },
        requested_action: { identifier: "apply" },
      },
      "apply:button",
    ],
    ["a re-run with neither PR nor commit", "check_suite", { action: "rerequested", check_suite: { pull_requests: [] } }, "ignore"],
    [
      "re-run of sluice/plan",
      "check_run",
      { action: "rerequested", check_run: { name: "sluice/plan", head_sha: SHA, pull_requests: [{ number: 7 }] } },
      "plan:rerun",
    ],
    [
      "re-run of sluice/apply re-plans, never re-applies",
      "check_run",
      { action: "rerequested", check_run: { name: "sluice/apply", head_sha: SHA, pull_requests: [{ number: 7 }] } },
      "plan:rerun",
    ],
    [
      "re-run of another app's check",
      "check_run",
      { action: "rerequested", check_run: { name: "ci/test", head_sha: SHA, pull_requests: [{ number: 7 }] } },
      "ignore",
    ],
    [
      "re-run of the suite",
      "check_suite",
      { action: "rerequested", check_suite: { head_sha: SHA, pull_requests: [{ number: 7 }] } },
      "plan:rerun",
    ],
    [
      "a completed check run",
      "check_run",
      { action: "completed", check_run: { name: "sluice/plan", head_sha: SHA, pull_requests: [{ number: 7 }] } },
      "ignore",
    ],
    [
      "a click by a bot",
      "check_run",
      {
        action: "requested_action",
        sender: { login: "x[bot]", type: "Bot" },
        check_run: { name: "sluice/plan", head_sha: SHA, pull_requests: [{ number: 7 }] },
        requested_action: { identifier: "apply" },
      },
      "ignore",
    ],
  ])("%s", (_, event, payload, expected) => {
    const d = decide(event, payload);
    const got = "job" in d ? `${d.job.spec.kind}${"trigger" in d.job.spec ? `:${d.job.spec.trigger}` : ""}` : "ignore";
    expect(got).toBe(expected);
  });
});

describe("merge groups", () => {
  it.each<[string, number[]]>([
    ["refs/heads/gh-readonly-queue/main/pr-104-929f8209d40f77f4abc622a499c93a83babdbe64", [104]],
    ["gh-readonly-queue/release/v2/pr-7-0123456", [7]],
    ["refs/heads/feature/pr-5", []],
  ])("%s -> %j", (ref, expected) => {
    expect(mergeGroupPulls(ref)).toEqual(expected);
  });

  it("checks_requested becomes a merge_group job for the group's commit", () => {
    const d = decide("merge_group", {
      action: "checks_requested",
      merge_group: {
        head_sha: SHA,
        head_ref: `refs/heads/gh-readonly-queue/main/pr-3-${"b".repeat(40)}`,
        base_sha: "c".repeat(40),
        base_ref: "refs/heads/main",
      },
    });
    expect("job" in d && d.job.spec).toEqual({
      kind: "merge_group",
      headSha: SHA,
      headRef: `refs/heads/gh-readonly-queue/main/pr-3-${"b".repeat(40)}`,
      baseSha: "c".repeat(40),
      baseRef: "main",
      pulls: [3],
      actor: "bob",
    });
    expect("job" in d && d.job.target.pr).toBe(3);
    expect("ignore" in decide("merge_group", { action: "destroyed", merge_group: { head_sha: SHA } })).toBe(true);
  });
});

const project = { name: "net", dir: "net", workspace: "default", runner: "terraform" as const };
const summary = (changes: boolean, destroyPlan?: boolean) => ({
  add: 0,
  change: 0,
  destroy: changes ? 2 : 0,
  replace: 0,
  move: 0,
  import: 0,
  forget: 0,
  resources: changes
    ? [
        { address: "terraform_data.a", action: "delete" as const },
        { address: "terraform_data.b", action: "delete" as const },
      ]
    : [],
  moves: [],
  outputs: [],
  hasChanges: changes,
  sensitiveValues: [],
  ...(destroyPlan ? { destroyPlan } : {}),
});
const planned = (changes: boolean, destroyPlan?: boolean): ProjectResult => ({
  project,
  status: "planned",
  summary: summary(changes, destroyPlan),
  output: "",
});

describe("the Apply button is offered", () => {
  it.each<[string, Parameters<typeof applyActions>[0], string, number]>([
    ["a successful plan with changes, applying on comment", { results: [planned(true)], applyButton: true }, "success", 1],
    ["no changes", { results: [planned(false)], applyButton: true }, "success", 0],
    ["apply on merge", { results: [planned(true)], applyButton: false }, "success", 0],
    ["a failed plan", { results: [planned(true)], applyButton: true }, "failure", 0],
    ["a forced failure", { results: [planned(true)], applyButton: true, failed: true }, "success", 0],
  ])("%s", (_, progress, conclusion, count) => {
    const actions = applyActions(progress, conclusion);
    expect(actions).toHaveLength(count);
    for (const a of actions) {
      expect(a).toEqual(APPLY_ACTION);
      expect(a.label.length).toBeLessThanOrEqual(20);
      expect(a.description.length).toBeLessThanOrEqual(40);
    }
  });
});

describe("destroy plans are marked", () => {
  const input = {
    jobId: "1",
    command: "plan" as const,
    state: "done" as const,
    headSha: SHA,
    triggerText: "/plan -- -destroy",
    results: [planned(true, true)],
  };
  it("in the check title and summary", () => {
    const check = renderCheck(input, createRedactor());
    expect(check.title).toMatch(/^DESTROY PLAN: /);
    expect(check.summary).toContain("DESTROY PLAN");
  });
  it("in the comment, and an ordinary plan is not", () => {
    expect(renderComments(input, createRedactor())[0]).toContain("🧨 **DESTROY PLAN**");
    expect(renderComments({ ...input, results: [planned(true)] }, createRedactor())[0]).not.toContain("DESTROY");
  });
});

describe("Sluice's own references", () => {
  const refused = (reason: string, link?: { text: string; url: string }): ProjectResult => ({
    project,
    status: "refused",
    reason,
    output: "",
    ...(link ? { link } : {}),
  });
  const line = (r: ProjectResult) =>
    (
      renderComments(
        { jobId: "1", command: "plan", state: "done", headSha: SHA, triggerText: "/plan", results: [r] },
        createRedactor(),
      )[0] ?? ""
    )
      .split("\n")
      .find((l) => l.includes("refused:")) ?? "";

  it("`locked by #12` is a plain GitHub reference", () => {
    const l = line(
      refused("locked by #12: that pull request holds this project", { text: "#12", url: "https://github.com/acme/infra/pull/12" }),
    );
    expect(l).toContain("locked by #12: that pull request");
    expect(l).not.toContain("\u200b");
  });
  it("text around it, and references without Sluice's link, stay neutralized", () => {
    const l = line(refused("locked by #12 (@bob, see #13)", { text: "#12", url: "https://github.com/acme/infra/pull/12" }));
    expect(l).toContain("locked by #12 (@\u200bbob, see #\u200b13)");
    expect(line(refused("see #14 and @eve"))).toContain("#\u200b14 and @\u200beve");
  });
});

describe("/plan -destroy", () => {
  it.each<[string, string[] | string]>([
    ["/plan -destroy", ["-destroy"]],
    ["/plan -p net -destroy", ["-destroy"]],
    ["/plan -destroy -- -target=terraform_data.a", ["-destroy", "-target=terraform_data.a"]],
    ["/plan -destroy -- -destroy", ["-destroy"]],
    ["/apply -destroy", "unknown flag `-destroy`"],
  ])("%s", (body, expected) => {
    const parsed = parseComment(body, { allowAtlantisPrefix: false });
    if (typeof expected === "string") {
      expect(parsed.type === "invalid" ? parsed.reason : "").toContain(expected);
    } else {
      expect(parsed.type === "command" && parsed.command.kind === "plan" ? parsed.command.extraArgs : undefined).toEqual(expected);
    }
  });
});

describe("trusted settings: apply_teams and allow_destroy", () => {
  const repo = (yaml: string): RepoConfig => {
    const r = loadRepoConfig({ sluice: yaml });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    return r.config;
  };
  const web = { name: "web", dir: "web", workspace: "default", runner: "terraform" as const };
  const trusted = repo("version: 1\napply_teams: [acme/net-admins]\nprojects:\n  - dir: net\n    allow_destroy: true\n  - dir: web\n");

  it("the base branch's apply_teams join the server's only where the server allows the override", () => {
    expect(repoSettings(parseServerConfig("apply_teams: [acme/sre]\n"), "acme/infra", trusted).applyTeams).toEqual(["acme/sre"]);
    const allowed = parseServerConfig("apply_teams: [acme/sre]\nallowed_overrides: [apply_teams]\n");
    expect(repoSettings(allowed, "acme/infra", trusted).applyTeams).toEqual(["acme/sre", "acme/net-admins"]);
  });

  it("allow_destroy per trusted project (by identity), or everywhere from the server", () => {
    const s = repoSettings(parseServerConfig(""), "acme/infra", trusted);
    expect(s.allowDestroyFor(project)).toBe(true);
    // A PR that renames web to net gets web's settings: the project is found by dir and workspace.
    expect(s.allowDestroyFor({ ...web, name: "net" })).toBe(false);
    expect(repoSettings(parseServerConfig("allow_destroy: true\n"), "acme/infra", trusted).allowDestroyFor(web)).toBe(true);
  });

  it("teams and requirements are checked by the schemas", () => {
    expect(() => parseServerConfig("apply_teams: [sre]\n")).toThrow(/org\/team-slug/);
    expect(parseServerConfig("apply_requirements: [code_owners]\n").apply_requirements).toEqual(["code_owners"]);
    expect(loadRepoConfig({ sluice: "version: 1\napply_teams: [nope]\n" }).ok).toBe(false);
  });
});

describe("offersApply", () => {
  const settings = (applyOn: "comment" | "merge", allow: boolean) => ({ applyOn, allowDestroyFor: () => allow });
  it("only when applying on comment, and not for a destroy plan the project does not allow", () => {
    expect(offersApply(settings("comment", false), [planned(true)])).toBe(true);
    expect(offersApply(settings("merge", true), [planned(true)])).toBe(false);
    expect(offersApply(settings("comment", false), [planned(true, true)])).toBe(false);
    expect(offersApply(settings("comment", true), [planned(true, true)])).toBe(true);
  });

  it("not when the server's allow_commands leaves `apply` out: the button is `/apply`", () => {
    expect(offersApply(settings("comment", false), [planned(true)], ["plan", "help"])).toBe(false);
    expect(offersApply(settings("comment", false), [planned(true)], ["plan", "apply"])).toBe(true);
  });
});

describe("a check event's pull_requests may name another repository's PRs", () => {
  // GitHub lists PRs whose head is the commit in *any* repository (a fork's own PR on the same
  // commit, see palantir/policy-bot#807): its number means nothing in this repository.
  const REPO_ID = 42;
  const mini = (id: number, name: string) => ({ id, url: `http://api/repos/${name}`, name: name.split("/")[1] });
  const pr = (number: number, repoId: number, name: string) => ({
    number,
    url: `http://api/repos/${name}/pulls/${number}`,
    head: { ref: "x", sha: SHA, repo: mini(repoId, name) },
    base: { ref: "main", sha: SHA, repo: mini(repoId, name) },
  });
  const click = (pulls: object[]) =>
    eventToJob(
      "check_run",
      {
        ...envelope,
        repository: { ...envelope.repository, id: REPO_ID },
        action: "requested_action",
        check_run: { name: "sluice/plan", head_sha: SHA, pull_requests: pulls },
        requested_action: { identifier: "apply" },
      },
      settings,
    );
  const prOf = (d: ReturnType<typeof click>) => ("job" in d ? d.job.target.pr : d.ignore);

  it("the click applies this repository's PR, not the fork's PR of the same number", () => {
    expect(prOf(click([pr(3, 777, "mallory/infra"), pr(17, REPO_ID, "acme/infra")]))).toBe(17);
  });

  it("only another repository's PR listed: the PR is looked up by the commit (pr 0)", () => {
    expect(prOf(click([pr(3, 777, "mallory/infra")]))).toBe(0);
  });

  it("control: this repository's PR is taken", () => {
    expect(prOf(click([pr(17, REPO_ID, "acme/infra")]))).toBe(17);
  });
});
