import { describe, expect, it } from "vitest";
import { actOnceKeys } from "../../src/ingress/act-once-keys.js";
import { eventToJob, type IngressSettings } from "../../src/ingress/event-to-job.js";

const comment = (body: string) => ({
  action: "created",
  installation: { id: 1 },
  repository: { owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
  sender: { login: "bob", type: "User" },
  issue: { number: 7, pull_request: {} },
  comment: { id: 99, body, user: { login: "bob", type: "User" } },
});
const kindOf = (body: string, settings: IngressSettings) => {
  const d = eventToJob("issue_comment", comment(body), settings);
  return "job" in d ? d.job.spec.kind : `ignored: ${d.ignore}`;
};

describe("eventToJob and the server's atlantis_prefix", () => {
  it.each<[IngressSettings["atlantisPrefix"], string, string]>([
    [undefined, "atlantis plan", "plan"],
    ["with-atlantis-yaml", "atlantis apply -p x", "apply"],
    ["with-atlantis-yaml", "atlantis help", "ignored: `atlantis help` is left to Atlantis"],
    ["always", "atlantis help", "reply"],
    ["always", "atlantis unlock", "unlock"],
    ["never", "atlantis plan", "ignored: comment is not a command"],
    ["never", "/plan", "plan"],
  ])("%s: %s -> %s", (atlantisPrefix, body, expected) => {
    expect(kindOf(body, { autoplanDrafts: false, atlantisPrefix })).toBe(expected);
  });
});

describe("eventToJob and server-side switches", () => {
  const opened = {
    action: "opened",
    installation: { id: 1 },
    repository: { owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
    sender: { login: "alice", type: "User" },
    pull_request: { number: 7, draft: false, head: { sha: "abc" } },
  };

  it("autoplan: false plans nothing when a PR opens, but /plan still works", () => {
    expect(eventToJob("pull_request", opened, { autoplanDrafts: false, autoplan: false })).toEqual({
      ignore: "autoplan is off on this server (server setting `autoplan`)",
    });
    expect(kindOf("/plan", { autoplanDrafts: false, autoplan: false })).toBe("plan");
  });

  it("autoplan: false still keeps previews at the PR's head where the server allows previews", () => {
    const d = eventToJob("pull_request", { ...opened, action: "synchronize" }, { autoplanDrafts: false, autoplan: false, previews: true });
    expect("job" in d ? d.job.spec : undefined).toEqual({ kind: "preview", action: "sync", actor: "alice" });
    // A closed PR is cleaned up as ever (its previews are destroyed there).
    const closed = eventToJob("pull_request", { ...opened, action: "closed" }, { autoplanDrafts: false, autoplan: false, previews: true });
    expect("job" in closed ? closed.job.spec.kind : undefined).toBe("cleanup");
  });

  it("a draft gets no preview sync with autoplan off, as it gets nothing with autoplan on", () => {
    const draft = { ...opened, pull_request: { ...opened.pull_request, draft: true } };
    const off = { autoplanDrafts: false, autoplan: false, previews: true };
    expect(eventToJob("pull_request", draft, off)).toEqual({ ignore: "draft pull request: autoplan of drafts is off" });
    expect(eventToJob("pull_request", draft, { ...off, autoplan: true })).toEqual({
      ignore: "draft pull request: autoplan of drafts is off",
    });
    // Drafts allowed by the server: the preview sync, as for any other PR.
    const allowed = eventToJob("pull_request", draft, { ...off, autoplanDrafts: true });
    expect("job" in allowed ? allowed.job.spec : undefined).toEqual({ kind: "preview", action: "sync", actor: "alice" });
    // Marked ready: the preview follows.
    const ready = eventToJob("pull_request", { ...opened, action: "ready_for_review" }, off);
    expect("job" in ready ? ready.job.spec.kind : undefined).toBe("preview");
  });

  it("a command not in allow_commands gets a reply saying so", () => {
    const d = eventToJob("issue_comment", comment("/import a.b id"), { autoplanDrafts: false, allowCommands: ["plan", "apply"] });
    expect("job" in d && d.job.spec.kind === "reply" ? d.job.spec.reason : "").toBe(
      "`import` is disabled on this Sluice server (server setting `allow_commands`: `plan`, `apply`)",
    );
    expect(kindOf("/apply", { autoplanDrafts: false, allowCommands: ["plan", "apply"] })).toBe("apply");
  });

  it("the Apply button and Re-run are `/apply` and `/plan`: allow_commands switches them off too (attack)", () => {
    const check = (action: string) => ({
      action,
      installation: { id: 1 },
      repository: { id: 5, owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
      sender: { login: "bob", type: "User" },
      check_run: {
        id: 1,
        name: "sluice/plan",
        head_sha: "abc",
        completed_at: "2026-11-26T10:00:00Z",
        conclusion: "success",
        pull_requests: [{ number: 7 }],
      },
      requested_action: { identifier: "apply" },
    });
    const planOnly: IngressSettings = { autoplanDrafts: false, allowCommands: ["plan", "help"] };
    expect(eventToJob("check_run", check("requested_action"), planOnly)).toEqual({
      ignore: "the Apply button is `/apply`: `apply` is disabled on this Sluice server (server setting `allow_commands`: `plan`, `help`)",
    });
    const applyOnly: IngressSettings = { autoplanDrafts: false, allowCommands: ["apply"] };
    expect(eventToJob("check_run", check("rerequested"), applyOnly)).toEqual({
      ignore: "a re-run of a Sluice check is `/plan`: `plan` is disabled on this Sluice server (server setting `allow_commands`: `apply`)",
    });
    // Control: allowed, they are the jobs they always were.
    const all: IngressSettings = { autoplanDrafts: false };
    const applied = eventToJob("check_run", check("requested_action"), all);
    expect("job" in applied && applied.job.spec.kind).toBe("apply");
    const rerun = eventToJob("check_run", check("rerequested"), { ...all, allowCommands: ["plan"] });
    expect("job" in rerun && rerun.job.spec.kind).toBe("plan");
  });

  it("/approve_policies is a job of its own, and allow_commands can switch it off", () => {
    const d = eventToJob("issue_comment", comment("atlantis approve_policies -p net"), { autoplanDrafts: false });
    expect("job" in d ? d.job.spec : undefined).toEqual({
      kind: "approve_policies",
      command: { kind: "approve_policies", filter: { project: "net" }, clear: false },
      commandLine: "atlantis approve_policies -p net",
      commentId: 99,
      actor: "bob",
      viaAtlantis: true,
    });
    expect(kindOf("/approve_policies", { autoplanDrafts: false, allowCommands: ["plan", "apply"] })).toBe("reply");
  });

  it("/approve_policies carries the commenter's account id: the head's pusher is known by it under a login renamed since", () => {
    const p = comment("/approve_policies");
    const d = eventToJob(
      "issue_comment",
      { ...p, comment: { ...p.comment, user: { ...p.comment.user, id: 42 } } },
      { autoplanDrafts: false },
    );
    expect("job" in d ? d.job.spec : undefined).toMatchObject({ kind: "approve_policies", actor: "bob", actorId: 42 });
  });
});

describe("eventToJob: who asked, by account id (server settings that name people compare it, not the login)", () => {
  const withId = (body: string, issue: object = { number: 7, pull_request: {} }) => {
    const p = comment(body);
    return { ...p, issue, comment: { ...p.comment, user: { ...p.comment.user, id: 42 } } };
  };
  const specOf = (d: ReturnType<typeof eventToJob>) => ("job" in d ? d.job.spec : undefined);
  const settings: IngressSettings = { autoplanDrafts: false };

  it("a comment's command carries its writer's id: /apply, /applies, /unlock, /drift, /plan", () => {
    for (const [body, kind] of [
      ["/apply --override-window -- hotfix", "apply"],
      ["/applies pause", "applies"],
      ["/unlock", "unlock"],
      ["/drift", "drift-check"],
      ["/plan", "plan"],
    ] as const)
      expect(specOf(eventToJob("issue_comment", withId(body), settings))).toMatchObject({ kind, actor: "bob", actorId: 42 });
    // On a plain issue too: `/applies` from anywhere.
    expect(specOf(eventToJob("issue_comment", withId("/applies resume", { number: 3 }), settings))).toMatchObject({
      kind: "applies",
      actorId: 42,
    });
    // Control: a payload without the id gives none (never a guess from the login).
    expect(specOf(eventToJob("issue_comment", comment("/applies pause"), settings))).not.toHaveProperty("actorId");
  });

  it("the Apply button carries the clicking user's id, and a merge its merger's", () => {
    const click = {
      action: "requested_action",
      installation: { id: 1 },
      repository: { id: 5, owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
      sender: { login: "bob", id: 42, type: "User" },
      check_run: {
        id: 1,
        name: "sluice/plan",
        head_sha: "abc",
        completed_at: "2026-11-26T10:00:00Z",
        conclusion: "success",
        pull_requests: [{ number: 7 }],
      },
      requested_action: { identifier: "apply" },
    };
    expect(specOf(eventToJob("check_run", click, settings))).toMatchObject({ kind: "apply", trigger: "button", actorId: 42 });
    const merged = {
      action: "closed",
      installation: { id: 1 },
      repository: { owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
      sender: { login: "bob", id: 42, type: "User" },
      pull_request: { number: 7, merged: true, merge_commit_sha: "def", head: { sha: "abc" } },
    };
    expect(specOf(eventToJob("pull_request", merged, settings))).toMatchObject({ kind: "cleanup", merged: true, actorId: 42 });
  });

  it("a push carries its pusher's id to the autoplan and to the preview sync (apply_users are compared by it)", () => {
    const pushed = {
      action: "synchronize",
      installation: { id: 1 },
      repository: { owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
      sender: { login: "dave", id: 77, type: "User" },
      pull_request: { number: 7, draft: false, head: { sha: "abc" } },
    };
    expect(specOf(eventToJob("pull_request", pushed, settings))).toMatchObject({ kind: "plan", trigger: "autoplan", actorId: 77 });
    const previews = { ...settings, autoplan: false, previews: true };
    expect(specOf(eventToJob("pull_request", pushed, previews))).toEqual({ kind: "preview", action: "sync", actor: "dave", actorId: 77 });
  });
});

describe("eventToJob and drift issues closed by hand", () => {
  const closed = (labels: string[], action = "closed") => ({
    action,
    installation: { id: 1 },
    repository: { owner: { login: "acme" }, name: "infra", clone_url: "http://git/acme/infra.git" },
    sender: { login: "alice", type: "User" },
    issue: { number: 12, labels: labels.map((name) => ({ name })) },
  });
  const settings: IngressSettings = { autoplanDrafts: false };

  it("a closed drift issue discards its plan: a cleanup of the issue's number", () => {
    const d = eventToJob("issues", closed(["bug", "sluice:drift"]), settings);
    expect(d).toEqual({
      job: {
        target: {
          installationId: 1,
          repo: { owner: "acme", name: "infra" },
          cloneUrl: "http://git/acme/infra.git",
          pr: 12,
          payloadHeadSha: undefined,
        },
        spec: { kind: "cleanup", merged: false, actor: "alice", driftIssue: true },
      },
    });
  });

  it("a drift issue of Sluice's whose label a person took off still discards its plan when closed, and still takes /apply", () => {
    const byApp = { ...closed([]), issue: { number: 12, labels: [], user: { login: "sluice[bot]", type: "Bot" } } };
    const d = eventToJob("issues", byApp, settings);
    expect(d).toMatchObject({ job: { target: { pr: 12 }, spec: { kind: "cleanup", merged: false, driftIssue: true } } });
    const comment = { ...byApp, action: "created", comment: { id: 5, body: "/apply", user: { login: "alice", type: "User" } } };
    expect(eventToJob("issue_comment", comment, settings)).toMatchObject({ job: { target: { pr: 12 }, spec: { kind: "drift-apply" } } });
    // Control: a person's issue without the label is not one, closed or commented on.
    const byPerson = { ...byApp, issue: { ...byApp.issue, user: { login: "alice", type: "User" } } };
    expect(eventToJob("issues", byPerson, settings)).toEqual({ ignore: "a closed issue that is not a drift issue" });
    expect(eventToJob("issue_comment", { ...comment, issue: byPerson.issue }, settings)).toEqual({
      ignore: "comment on an issue, not a pull request",
    });
  });

  it("other issues, and other actions on drift issues, are ignored with the reason", () => {
    expect(eventToJob("issues", closed(["bug"]), settings)).toEqual({ ignore: "a closed issue that is not a drift issue" });
    expect(eventToJob("issues", closed(["sluice:drift"], "reopened"), settings)).toEqual({ ignore: "issues.reopened is not acted on" });
  });
});

describe("act-once keys of a pull request's close", () => {
  const closed = (closedAt: string | null, merged = true) => ({
    action: "closed",
    repository: { id: 7 },
    pull_request: { number: 3, merged, closed_at: closedAt },
  });
  it("the same close sent again has the same key; a close after a reopen, another; none without its time", () => {
    expect(actOnceKeys("pull_request", closed("2026-11-26T10:00:00Z"), "acme/infra")).toEqual(["closed:7:3:2026-11-26T10:00:00Z"]);
    expect(actOnceKeys("pull_request", closed("2026-11-26T11:00:00Z", false), "acme/infra")).toEqual(["closed:7:3:2026-11-26T11:00:00Z"]);
    // Without a closed_at nothing tells two closes apart: no key rather than a second close dropped.
    expect(actOnceKeys("pull_request", closed(null), "acme/infra")).toEqual([]);
    expect(actOnceKeys("pull_request", { ...closed("2026-11-26T10:00:00Z"), action: "reopened" }, "acme/infra")).toEqual([]);
  });
});

describe("eventToJob keeps when a command that changes something was written", () => {
  it("/apply, /import, /state rm, /state push-errored, /approve_policies, /applies and /drift resume carry the comment's created_at (control: /plan and a comment without one carry none)", () => {
    const at = "2026-11-27T11:00:04Z";
    const specOf = (body: string, createdAt?: string) => {
      const p = comment(body);
      const d = eventToJob(
        "issue_comment",
        { ...p, comment: { ...p.comment, ...(createdAt ? { created_at: createdAt } : {}) } },
        {
          autoplanDrafts: false,
        },
      );
      return "job" in d ? (d.job.spec as { kind: string; commentAt?: string }) : undefined;
    };
    for (const body of [
      "/apply",
      "/import a.b id",
      "/state rm a.b",
      "/state push-errored",
      "/approve_policies",
      "/applies resume",
      "/drift resume -p net",
    ])
      expect(specOf(body, at)?.commentAt, body).toBe(at);
    expect(specOf("/plan", at)?.commentAt).toBeUndefined();
    expect(specOf("/import a.b id")).toMatchObject({ kind: "state" });
    expect(specOf("/import a.b id")?.commentAt).toBeUndefined();
  });
});

describe("eventToJob: what of the written comment each command's job keeps", () => {
  const at = "2026-11-27T11:00:04Z";
  const written = (body: string, issue: object = { number: 7, pull_request: {} }) => {
    const p = { ...comment(body), issue };
    const d = eventToJob("issue_comment", { ...p, comment: { ...p.comment, created_at: at } }, { autoplanDrafts: false });
    if (!("job" in d)) throw new Error(d.ignore);
    const { kind, command: _command, ...rest } = d.job.spec as { kind: string; command?: unknown };
    return { kind, ...rest };
  };
  const said = (commandLine: string) => ({ commandLine, commentId: 99, actor: "bob" });

  it("on a pull request: line, comment and author always; viaAtlantis where the kind has it; commentAt where it is compared", () => {
    expect(written("/plan")).toEqual({ kind: "plan", trigger: "comment", ...said("/plan"), viaAtlantis: false });
    expect(written("atlantis apply")).toEqual({
      kind: "apply",
      trigger: "comment",
      ...said("atlantis apply"),
      viaAtlantis: true,
      commentAt: at,
    });
    expect(written("/state rm a.b")).toEqual({ kind: "state", ...said("/state rm a.b"), viaAtlantis: false, commentAt: at });
    expect(written("/approve_policies")).toEqual({
      kind: "approve_policies",
      ...said("/approve_policies"),
      viaAtlantis: false,
      commentAt: at,
    });
    expect(written("/applies pause")).toEqual({ kind: "applies", ...said("/applies pause"), commentAt: at });
    // An /unlock settles only the failed applies that ended before it was written.
    expect(written("/unlock")).toEqual({ kind: "unlock", ...said("/unlock"), viaAtlantis: false, commentAt: at });
    expect(written("/preview extend 2h")).toEqual({
      kind: "preview",
      action: "extend",
      project: undefined,
      extendMs: 7_200_000,
      ...said("/preview extend 2h"),
    });
    expect(written("/drift")).toEqual({ kind: "drift-check", trigger: "comment", filter: {}, ...said("/drift") });
  });

  it("on a drift issue: /drift, /applies and /apply keep the same, without viaAtlantis", () => {
    const issue = { number: 12, labels: [{ name: "sluice:drift" }] };
    expect(written("/drift", issue)).toEqual({ kind: "drift-check", trigger: "comment", filter: {}, ...said("/drift") });
    expect(written("/applies resume", issue)).toEqual({ kind: "applies", ...said("/applies resume"), commentAt: at });
    expect(written("/apply", issue)).toEqual({ kind: "drift-apply", ...said("/apply"), commentAt: at });
  });
});
