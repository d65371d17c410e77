import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { bot, completed, say } from "./trust-holes-support.js";

// conftest and terragrunt cannot be installed here: their stand-ins run (their documented CLIs).
const CONFTEST = fileURLToPath(new URL("../fixtures/conftest/conftest", import.meta.url));
const TERRAGRUNT = fileURLToPath(new URL("../fixtures/terragrunt-stand-in/terragrunt", import.meta.url));

let h: Harness;
let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "sluice-policy-attacks-"));
  const set = join(work, "no_data");
  await mkdir(set, { recursive: true });
  await writeFile(
    join(set, "rule.json"),
    JSON.stringify({
      deny: [{ type: "terraform_data", action: "create", msg: "{address}: new terraform_data resources need a security review" }],
    }),
  );
  h = await startHarness({
    serverConfig: [
      "apply_requirements: []",
      `terragrunt_binary: ${TERRAGRUNT}`,
      "agents: [ci-agent]",
      "policies:",
      `  conftest_binary: ${CONFTEST}`,
      "  owners:",
      // An agent named as an owner (or in an owning team): the list does not make it a person.
      "    users: [sec, ci-agent]",
      "  policy_sets:",
      "    - name: no_data",
      `      path: ${set}`,
      "      source: local",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
  await rm(work, { recursive: true, force: true });
});

const planComment = (repo: Parameters<typeof bot>[1], pr: number) =>
  bot(h, repo, pr)
    .filter((c) => c.body.includes("Sluice plan for"))
    .at(-1)?.body ?? "";

describe("policy checks a pull request cannot step around", () => {
  it("control: a Terraform project's plan that a policy denies is not applied", async () => {
    const state = join(h.stateDir, "ctl.tfstate");
    h.sim.setPermission("acme/ctl", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "ctl", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    expect(planComment(repo, pr.number)).toContain("- ❌ `no_data` failed");
    expect(await say(h, repo, pr.number, "alice", "/apply", "policy set")).toContain("policy set `no_data` failed");
    expect(await stateResources(state)).toEqual([]);
  }, 120_000);

  it("a terragrunt.hcl added to a Terraform project's dir (now a Terragrunt unit) is policy-checked all the same", async () => {
    const state = join(h.stateDir, "tg.tfstate");
    h.sim.setPermission("acme/tg", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "tg", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, {
      branch: "grow",
      files: { "net/main.tf": statefulProject("net", state, 1), "net/terragrunt.hcl": "# a unit now: terragrunt runs this dir\n" },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const plan = planComment(repo, pr.number);
    expect(plan).toContain("terraform_data.net_0");
    expect(plan).toContain("- ❌ `no_data` failed");
    expect(await say(h, repo, pr.number, "alice", "/apply", "policy set")).toContain("policy set `no_data` failed");
    expect(await stateResources(state)).toEqual([]);
  }, 120_000);

  it("an agent's /approve_policies approves nothing, even when the owners list names it", async () => {
    const state = join(h.stateDir, "agent.tfstate");
    for (const u of ["alice", "ci-agent", "sec"]) h.sim.setPermission("acme/agent", u, "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "agent", files: { "net/main.tf": statefulProject("net", state, 0) } });
    await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const byAgent = await say(h, repo, pr.number, "ci-agent", "/approve_policies", "approve_policies");
    expect(byAgent).toContain("is an agent");
    expect(await say(h, repo, pr.number, "alice", "/apply", "policy set")).toContain(
      "policy set `no_data` failed and needs 1 more policy approval (0/1)",
    );
    expect(await stateResources(state)).toEqual([]);
    // Control: a person among the owners approves, and it applies.
    expect(await say(h, repo, pr.number, "sec", "/approve_policies", "approve_policies")).toContain("@sec approved 1 failed policy set");
    expect(await say(h, repo, pr.number, "alice", "/apply", "applied")).toMatch(/applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  }, 120_000);
});
