import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { completed, say } from "./trust-holes-support.js";

// pre_workflow_hooks / post_workflow_hooks from the server config, per repository: they run in
// the sandbox of the PR's checkout, with a time limit, and say clearly when they fail.
let h: Harness;
let outside: string;

const entry = (name: string, hooks: string) => `  - { id: "acme/${name}", ${hooks} }`;

beforeAll(async () => {
  // Not a sandbox path: a hook must not be able to write here.
  outside = await mkdtemp(join(tmpdir(), "sluice-hook-outside-"));
  const generate = [
    'printf \'version: 3\\nprojects:\\n- name: gen-%s-%s-%s\\n  dir: app\\n\' "$PULL_NUM" "$HEAD_BRANCH_NAME" "$COMMAND_NAME" > atlantis.yaml',
  ];
  // A generated config that also tries to give itself a custom workflow and weaker requirements.
  const trusting = [
    "printf 'version: 3\\nworkflows:\\n  mine:\\n    plan:\\n      steps:\\n      - run: echo WORKFLOW-OF-THE-HOOK-RAN\\n      - init\\n      - plan\\nprojects:\\n- dir: app\\n  workflow: mine\\n  apply_requirements: []\\n' > atlantis.yaml",
  ].join("");
  h = await startHarness({
    serverConfig: [
      "workflow_hook_timeout: 2s",
      "repos:",
      '  - "acme/*"',
      entry("fails", 'pre_workflow_hooks: [{ run: "echo fetching secrets; exit 3", description: "Fetch secrets" }]'),
      entry("hangs", 'pre_workflow_hooks: [{ run: "sleep 600" }]'),
      entry("escapes", `pre_workflow_hooks: [{ run: "echo pwned > ${outside}/escaped" }]`),
      entry(
        "generates",
        `pre_workflow_hooks: [{ run: ${JSON.stringify(generate[0])} }], post_workflow_hooks: [{ run: "exit 1", description: "Notify" }], apply_requirements: []`,
      ),
      entry("generates-trust", `pre_workflow_hooks: [{ run: ${JSON.stringify(trusting)} }], apply_requirements: []`),
      entry("no-shell", 'pre_workflow_hooks: [{ run: "true", description: "Needs zsh", shell: "no-such-shell" }]'),
      entry(
        "apply-hook",
        'pre_workflow_hooks: [{ run: "echo change window closed; exit 4", description: "Ask the change board", commands: apply }], apply_requirements: []',
      ),
      "",
    ].join("\n"),
  });
  h.sim.addUser("alice");
});
afterAll(async () => {
  await h?.stop();
  await rm(outside, { recursive: true, force: true });
});

async function prIn(name: string) {
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { "app/main.tf": tfProject("app"), "other/main.tf": tfProject("other") },
  });
  const head = await h.sim.pushBranch(repo, {
    branch: "change",
    files: { "app/main.tf": tfProject("app", 2), "other/main.tf": tfProject("other", 2) },
  });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  const check = await completed(h, repo, head, "sluice/plan");
  const comment = h.sim.comments(repo, pr.number).find((c) => c.user === "sluice[bot]")?.body ?? "";
  return { repo, pr: pr.number, check, comment };
}

describe("workflow hooks", () => {
  it("a hook that fails: no plan, and the PR says which hook and why", async () => {
    const { check, comment } = await prIn("fails");
    expect(check.conclusion).not.toBe("success");
    expect(comment).toContain("`pre_workflow_hooks`: hook `Fetch secrets` failed (exit code 3): fetching secrets");
    expect(comment).toContain("No plan ran");
    expect(comment).not.toContain("Plan: ");
  }, 120_000);

  it("a hook that hangs past its time limit is stopped: no plan", async () => {
    const { comment } = await prIn("hangs");
    expect(comment).toContain("`pre_workflow_hooks`: hook `sleep 600` did not finish within its time limit (2s");
    expect(comment).toContain("No plan ran");
  }, 120_000);

  it("a hook that writes outside its checkout cannot: the write fails, and so does the hook", async () => {
    const { comment } = await prIn("escapes");
    expect(comment).toContain("`pre_workflow_hooks`: hook `echo pwned");
    expect(comment).toContain("No plan ran");
    expect(existsSync(join(outside, "escaped"))).toBe(false);
  }, 120_000);

  it("a hook that generates atlantis.yaml decides the projects (with Atlantis' hook variables); a failing post hook is a warning", async () => {
    h.sim.setPermission("acme/generates", "alice", "write");
    const { repo, pr, check, comment } = await prIn("generates");
    expect(check.conclusion).toBe("success");
    // Only the generated project, named from PULL_NUM, HEAD_BRANCH_NAME and COMMAND_NAME; not `other/`, which autodiscovery would plan.
    expect(comment).toContain(`gen-${pr}-change-plan`);
    expect(comment).not.toContain("other");
    expect(comment).toContain("`post_workflow_hooks`: hook `Notify` failed (exit code 1)");
    // A comment's plan runs the hooks again: COMMAND_NAME is still `plan`.
    const again = await say(h, repo, pr, "alice", "/plan");
    expect(again).toContain(`gen-${pr}-change-plan`);
    // The apply runs the saved plan of the generated project, whatever the hooks write for `apply`;
    // its failing post hook is a warning there too.
    const applied = await say(h, repo, pr, "alice", "/apply");
    expect(applied).toContain(`gen-${pr}-change-plan`);
    expect(applied).toContain("Apply complete! Resources: 2 added");
    expect(applied).toContain("`post_workflow_hooks`: hook `Notify` failed (exit code 1)");
  }, 180_000);

  it("a hook for `apply` only: plans run, and an apply is stopped when it fails, saying which hook and why", async () => {
    h.sim.setPermission("acme/apply-hook", "alice", "write");
    const { repo, pr, check } = await prIn("apply-hook");
    expect(check.conclusion).toBe("success");
    const refused = await say(h, repo, pr, "alice", "/apply");
    expect(refused).toContain("`pre_workflow_hooks`: hook `Ask the change board` failed (exit code 4): change window closed");
    expect(refused).toContain("Nothing was applied");
    expect(refused).not.toContain("Apply complete");
  }, 180_000);

  it("a hook whose shell is not installed is a failed hook, said as such, not a crash", async () => {
    const { comment } = await prIn("no-shell");
    expect(comment).toContain("`pre_workflow_hooks`: hook `Needs zsh` could not start");
    expect(comment).toContain("No plan ran");
  }, 120_000);

  it("a generated config gives projects only: its own workflow (a run step) is not run", async () => {
    const { comment } = await prIn("generates-trust");
    // Planned with the server's workflow: settings come from the base branch, which has no config.
    expect(comment).toContain("Plan: 2 to add");
    expect(comment).not.toContain("WORKFLOW-OF-THE-HOOK-RAN");
  }, 120_000);
});
