import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

// conftest cannot be installed here: a stand-in that prints conftest's documented JSON runs instead.
const CONFTEST = fileURLToPath(new URL("../fixtures/conftest/conftest", import.meta.url));

let h: Harness;
let work: string;
const policyDir = (set: string) => join(work, "policies", set);
const writeRule = (set: string, rule: unknown) => writeFile(join(policyDir(set), "rule.json"), JSON.stringify(rule));
const NO_DATA = {
  deny: [{ type: "terraform_data", action: "create", msg: "{address}: new terraform_data resources need a security review" }],
};

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "sluice-policies-"));
  for (const set of ["no_data", "tags"]) await mkdir(policyDir(set), { recursive: true });
  await writeRule("no_data", NO_DATA);
  // In a namespace of its own: only the server workflow's `--all-namespaces` makes conftest read it.
  await writeRule("tags", { namespace: "tags", deny: [{ type: "aws_instance", msg: "{address} has no tags" }] });
  h = await startHarness({
    serverConfig: [
      "apply_requirements: []",
      "default_workflow: checked",
      "workflows:",
      "  checked:",
      "    policy_check:",
      "      steps:",
      "        - show",
      "        - policy_check:",
      '            extra_args: ["--all-namespaces"]',
      "policies:",
      `  conftest_binary: ${CONFTEST}`,
      // Atlantis' per-repo policy_check: only these repos' plans are checked.
      "  repos: [acme/guarded, acme/carried]",
      "  owners:",
      "    users: [sec]",
      "  policy_sets:",
      "    - name: no_data",
      `      path: ${policyDir("no_data")}`,
      "      source: local",
      "      owners:",
      "        teams: [security]",
      "    - name: tags",
      `      path: ${policyDir("tags")}`,
      "      source: local",
      "",
    ].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
  await rm(work, { recursive: true, force: true });
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");
const FINISHED = /·\s*(✅|❌|⛔|⚠️)|\*\*Sluice approve_policies\*\*/;

/** Comments `body` as `user` and returns Sluice's finished answer to it. */
async function say(repo: Repo, pr: number, user: string, body: string): Promise<string> {
  const before = bot(repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  await h.sim.waitFor(() => bot(repo, pr).length > before && FINISHED.test(bot(repo, pr)[before]?.body ?? ""), {
    message: `no finished reply to ${body}: ${JSON.stringify(
      bot(repo, pr)
        .slice(before)
        .map((c) => c.body.slice(0, 400)),
    )}`,
    timeoutMs: 90_000,
  });
  return bot(repo, pr)[before]?.body ?? "";
}

async function planned(repo: Repo, sha: string, count: number): Promise<void> {
  await h.sim.waitFor(
    () => h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/plan" && c.status === "completed").length >= count,
    { message: `no completed sluice/plan on ${sha.slice(0, 7)}`, timeoutMs: 90_000 },
  );
}

const policyCheck = (repo: Repo, sha: string) =>
  h.sim
    .checkRuns(repo, sha)
    .filter((c) => c.name === "sluice/policy_check" && c.status === "completed")
    .at(-1);

const latestPlanComment = (repo: Repo, pr: number) =>
  bot(repo, pr)
    .filter((c) => c.body.includes("Sluice plan for"))
    .at(-1)?.body ?? "";

describe("policy checks (conftest stand-in)", () => {
  it("a failed policy blocks apply until an owner approves; approvals stick to the plan; an unevaluable policy fails closed", async () => {
    const state = join(h.stateDir, "net.tfstate");
    for (const [u, role] of [
      ["alice", "write"],
      ["bob", "write"],
      ["carol", "read"],
      ["sec", "read"],
    ] as const) {
      h.sim.setPermission("acme/guarded", u, role);
    }
    h.sim.addTeam("acme/security", { members: ["carol"] });
    const repo = await h.sim.createRepo({ owner: "acme", name: "guarded", files: { "net/main.tf": statefulProject("net", state, 0) } });
    const head1 = await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await planned(repo, head1, 1);

    // The plan comment shows which set failed, with conftest's message and who may approve.
    const plan = latestPlanComment(repo, pr.number);
    expect(plan).toContain("**Policy checks:** ❌ 1 of 2 policy sets failed");
    expect(plan).toContain("- ✅ `tags` passed");
    expect(plan).toContain("- ❌ `no_data` failed (needs 1 approval from @");
    expect(plan).toContain("terraform\\_data.net\\_0: new terraform\\_data resources need a security review");

    // The plan JSON conftest read (sensitive values in clear) is gone once checked; the plan file stays.
    const files = (await readdir(h.app.dataDir, { recursive: true })).map(String);
    expect(files.some((f) => f.endsWith("plan.tfplan"))).toBe(true);
    expect(files.filter((f) => f.endsWith(".tfplan.json"))).toEqual([]);

    // Branch protection can require sluice/policy_check, as Atlantis' atlantis/policy_check.
    await h.sim.waitFor(() => policyCheck(repo, head1) !== undefined, { message: "no sluice/policy_check" });
    expect(policyCheck(repo, head1)).toMatchObject({ conclusion: "failure", output: { title: "1 of 1 plan blocked by policy checks" } });

    // Apply is refused, naming the set and its owners; nothing changes.
    const refused = await say(repo, pr.number, "bob", "/apply");
    expect(refused).toContain("policy set `no_data` failed and needs 1 more policy approval (0/1) from @");
    expect(refused).toMatch(/sec, team security/);
    expect(await stateResources(state)).toEqual([]);

    // bob may apply but owns no policy: his approval is refused and changes nothing.
    const notOwner = await say(repo, pr.number, "bob", "/approve_policies");
    expect(notOwner).toContain("Not approved: @bob may not approve");
    expect(notOwner).toContain("not one of its owners");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("policy set `no_data` failed");

    // carol is in team acme/security, an owner of no_data.
    const approved = await say(repo, pr.number, "carol", "/approve_policies");
    expect(approved).toContain("@carol approved 1 failed policy set");
    expect(approved).toContain("policies pass now");
    await h.sim.waitFor(() => policyCheck(repo, head1)?.conclusion === "success", { message: "sluice/policy_check did not turn green" });
    const applied = await say(repo, pr.number, "bob", "/apply");
    expect(applied).toMatch(/applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);

    // A new commit is a new plan (another hash): its failure needs approval again.
    const head2 = await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
    await planned(repo, head2, 1);
    expect(latestPlanComment(repo, pr.number)).toContain("- ❌ `no_data` failed");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("policy set `no_data` failed and needs 1 more policy approval (0/1)");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
    expect(await say(repo, pr.number, "sec", "sluice approve_policies -p net")).toContain("@sec approved 1 failed policy set");
    // Atlantis' --clear-policy-approval takes it back: apply is blocked again until a new approval.
    expect(await say(repo, pr.number, "bob", "/approve_policies --clear-policy-approval")).toContain("Cleared 1 policy approval of 1 plan");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("needs 1 more policy approval (0/1)");
    expect(await say(repo, pr.number, "sec", "/approve_policies")).toContain("@sec approved 1 failed policy set");
    expect(await say(repo, pr.number, "bob", "/apply")).toMatch(/applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);

    // A policy that cannot be evaluated (conftest exits 2) blocks apply, and no approval lifts it.
    await writeRule("no_data", { exit: 2 });
    const head3 = await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 3) } });
    await planned(repo, head3, 1);
    expect(latestPlanComment(repo, pr.number)).toContain("- ⛔ `no_data` could not be evaluated: conftest exited with code 2");
    const stillBlocked = await say(repo, pr.number, "sec", "/approve_policies");
    expect(stillBlocked).toContain("Nothing to approve");
    expect(stillBlocked).toContain("approvals cannot lift that");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain(
      "policy set `no_data` could not be evaluated (conftest exited with code 2",
    );
    // Output that is not conftest's JSON fails closed too.
    await writeRule("no_data", { garble: true });
    expect(await say(repo, pr.number, "bob", "/plan")).toContain("- ⛔ `no_data` could not be evaluated: conftest printed no JSON results");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("this fails closed");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);

    // Fixed policy, new plan: it passes, and apply needs no approval.
    await writeRule("no_data", { deny: [{ type: "aws_instance", msg: "unused" }] });
    expect(await say(repo, pr.number, "bob", "/plan")).toContain("**Policy checks:** ✅ all 2 policy sets passed.");
    expect(await say(repo, pr.number, "bob", "/apply")).toMatch(/applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1", "terraform_data.net_2"]);
  }, 240_000);

  it("an owner's approval carries over a re-plan that changed nothing after the base branch moved; not one whose failures differ, nor a cleared one", async () => {
    await writeRule("no_data", NO_DATA);
    const state = join(h.stateDir, "carried.tfstate");
    for (const [u, role] of [
      ["bob", "write"],
      ["sec", "read"],
    ] as const) {
      h.sim.setPermission("acme/carried", u, role);
    }
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "carried",
      files: { "net/main.tf": statefulProject("net", state, 0), "README.md": "one" },
    });
    const head = await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "bob" });
    await planned(repo, head, 1);
    expect(await say(repo, pr.number, "sec", "/approve_policies")).toContain("@sec approved 1 failed policy set");
    // Each unrelated merge into main makes the plan stale: the gate asks for a re-plan.
    const mainMoves = (n: number) => h.sim.pushBranch(repo, { branch: "main", files: { "README.md": String(n) } });
    await mainMoves(2);
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("base branch moved since this plan");

    // Control: the policy reworded its message, so the same changes fail otherwise: approval needed again.
    await writeRule("no_data", { deny: [{ type: "terraform_data", action: "create", msg: "{address}: reworded" }] });
    expect(await say(repo, pr.number, "bob", "/plan")).toContain("reworded");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("policy set `no_data` failed and needs 1 more policy approval (0/1)");
    expect(await say(repo, pr.number, "sec", "/approve_policies")).toContain("@sec approved 1 failed policy set");

    // Control: cleared approvals do not come back through an identical re-plan (its own and the earlier plans' are cleared).
    // The reply counts the one approval that counted, not the first plan's, whose failures read otherwise.
    await mainMoves(3);
    expect(await say(repo, pr.number, "bob", "/plan")).toContain("reworded");
    expect(await say(repo, pr.number, "bob", "/approve_policies --clear-policy-approval")).toContain("Cleared 1 policy approval of 1 plan");
    expect(await say(repo, pr.number, "bob", "/apply")).toContain("needs 1 more policy approval (0/1)");
    expect(await stateResources(state)).toEqual([]);

    // The case itself: approved, then main moves, and the identical re-plan applies on that approval.
    expect(await say(repo, pr.number, "sec", "/approve_policies")).toContain("policies pass now");
    await mainMoves(4);
    expect(await say(repo, pr.number, "bob", "/plan")).toContain("reworded");
    expect(await say(repo, pr.number, "bob", "/apply")).toMatch(/applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  }, 240_000);

  it("a repo outside `policies.repos` is not policy-checked, and /approve_policies says why", async () => {
    const state = join(h.stateDir, "free.tfstate");
    h.sim.setPermission("acme/free", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "free", files: { "net/main.tf": statefulProject("net", state, 0) } });
    const head = await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
    await planned(repo, head, 1);
    expect(latestPlanComment(repo, pr.number)).toContain("terraform_data.net_0");
    expect(latestPlanComment(repo, pr.number)).not.toContain("Policy checks");
    expect(await say(repo, pr.number, "alice", "/approve_policies")).toContain(
      "Policy checks do not apply to acme/free (server setting `policies.repos`)",
    );
    expect(h.sim.checkRuns(repo, head).filter((c) => c.name === "sluice/policy_check")).toEqual([]);
    expect(await say(repo, pr.number, "alice", "/apply")).toMatch(/applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  }, 120_000);
});
