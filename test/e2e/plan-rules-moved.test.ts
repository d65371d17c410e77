import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";
import { completed, nextSecond, type Repo, say, seedState } from "./trust-holes-support.js";

// `protect` names the address a resource has in state. A `moved` block in the same pull request
// gives it another address in the plan (`address`), the protected one staying only as
// `previous_address`: the destroy or replace of the moved object is still the protected
// resource's, and must be refused, with real terraform plans.

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startHarness({
    serverConfig: ["apply_requirements: [approved]", "admins: [alice]", 'protect: ["terraform_data.db"]', ""].join("\n"),
  });
});
afterAll(async () => {
  await h?.stop();
});

async function newRepo(name: string, files: (state: string) => Record<string, string>) {
  n++;
  const state = join(h.stateDir, `${name}-${n}.tfstate`);
  const repo = await h.sim.createRepo({ owner: "acme", name, files: files(state) });
  for (const [u, role] of [
    ["alice", "admin"],
    ["bob", "write"],
    ["carol", "write"],
  ] as const)
    h.sim.setPermission(repo, u, role);
  return { repo, state };
}

const db = (state: string) => statefulProject("app", state, 0, 'resource "terraform_data" "db" {\n  input = "precious"\n}\n');

async function plannedPr(repo: Repo, files: Record<string, string>) {
  await h.sim.pushBranch(repo, { branch: "change", files });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "bob" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await nextSecond();
  await h.sim.approve(repo, pr.number, "carol");
  return pr;
}

describe("protect follows a moved resource", { timeout: 300_000 }, () => {
  it("a protected resource moved to an address no resource declares is destroyed: refused", async () => {
    // Its only resource deleted, the plan is a teardown: `allow_destroy` lets it reach `protect`.
    const { repo, state } = await newRepo("moved-delete", (s) => ({
      ".sluice.yaml": "version: 1\nprojects:\n  - dir: app\n    allow_destroy: true\n",
      "app/main.tf": db(s),
    }));
    await seedState(db(state));
    // Terraform moves `terraform_data.db` to `terraform_data.gone` and plans to destroy it there
    // (action_reason delete_because_no_move_target).
    const moved = statefulProject("app", state, 0, "moved {\n  from = terraform_data.db\n  to   = terraform_data.gone\n}\n");
    const pr = await plannedPr(repo, { "app/main.tf": moved });
    const reply = await say(h, repo, pr.number, "bob", "/apply", "⛔ refused");
    expect(await stateResources(state)).toEqual(["terraform_data.db"]);
    expect(reply).toContain("⛔ refused");
    expect(reply).toContain("protected: the plan destroys `terraform_data.gone` (moved from `terraform_data.db`)");
  });

  it("a protected resource moved and replaced in the same plan: refused", async () => {
    const { repo, state } = await newRepo("moved-replace", (s) => ({ "app/main.tf": db(s) }));
    await seedState(db(state));
    const moved = statefulProject(
      "app",
      state,
      0,
      'resource "terraform_data" "renamed" {\n  input            = "precious"\n  triggers_replace = "now"\n}\n\nmoved {\n  from = terraform_data.db\n  to   = terraform_data.renamed\n}\n',
    );
    const pr = await plannedPr(repo, { "app/main.tf": moved });
    const reply = await say(h, repo, pr.number, "bob", "/apply", "⛔ refused");
    expect(await readFile(state, "utf8")).toContain('"terraform_data"');
    expect(await stateResources(state)).toEqual(["terraform_data.db"]);
    expect(reply).toContain("protected: the plan replaces `terraform_data.renamed` (moved from `terraform_data.db`)");
  });

  it("control: a plain move of the protected resource (nothing destroyed) still applies", async () => {
    const { repo, state } = await newRepo("moved-only", (s) => ({ "app/main.tf": db(s) }));
    await seedState(db(state));
    const moved = statefulProject(
      "app",
      state,
      0,
      'resource "terraform_data" "renamed" {\n  input = "precious"\n}\n\nmoved {\n  from = terraform_data.db\n  to   = terraform_data.renamed\n}\n',
    );
    const pr = await plannedPr(repo, { "app/main.tf": moved });
    const reply = await say(h, repo, pr.number, "bob", "/apply");
    expect(reply).toMatch(/✅ applied/);
    expect(await stateResources(state)).toEqual(["terraform_data.renamed"]);
  });
});
