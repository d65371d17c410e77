import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { bot, completed, say } from "./trust-holes-support.js";

// Standard atlantis.yaml files that used to fail at run time: two new workspaces on one backend,
// the `run: terraform plan -out=$PLANFILE` idiom, a multi-line `run: |` script.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: 'apply_requirements: []\nallow_custom_workflows: ["acme/*"]\n' });
});
afterAll(async () => {
  await h?.stop();
});

const mainTf = (stateDir: string) => `terraform {
  backend "local" {
    path          = "${join(stateDir, "terraform.tfstate")}"
    workspace_dir = "${join(stateDir, "workspaces")}"
  }
}

resource "terraform_data" "env" {
  input = terraform.workspace
}
`;

async function planOf(name: string, files: Record<string, string>, change: Record<string, string>, base?: string): Promise<string> {
  const repo = await h.sim.createRepo({ owner: "acme", name, files });
  if (base) await h.sim.pushBranch(repo, { branch: base, files: {} });
  await h.sim.pushBranch(repo, { branch: "change", files: change, ...(base ? { from: base } : {}) });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice", ...(base ? { base } : {}) });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return bot(h, repo, pr.number)
    .map((c) => c.body)
    .join("\n");
}

/** One project on `app`, told apart by base branch: main's default workspace, release branches' own. */
const BY_BRANCH = `version: 3
projects:
  - name: live
    dir: app
    branch: /^main$/
  - name: live
    dir: app
    workspace: release
    branch: /^release-.*$/
`;
const BY_BRANCH_TF = 'resource "terraform_data" "x" {\n  input = "a"\n}\n';

describe("atlantis.yaml runs as Atlantis runs it", () => {
  it("creates each missing workspace: two new workspaces on one backend both plan", async () => {
    const stateDir = join(h.stateDir, "two-workspaces");
    const atlantis =
      "version: 3\nprojects:\n  - name: staging\n    dir: .\n    workspace: staging\n  - name: prod\n    dir: .\n    workspace: prod\n";
    const plan = await planOf(
      "two-workspaces",
      { "atlantis.yaml": atlantis, "main.tf": mainTf(stateDir) },
      { "main.tf": `${mainTf(stateDir)}\n` },
    );
    expect(plan).toContain("**`staging`** (`.`, workspace `staging`): `+1 ~0 -0`");
    expect(plan).toContain("**`prod`** (`.`, workspace `prod`): `+1 ~0 -0`");
    expect(plan).not.toContain("does not exist");
  });

  it("runs `run` steps with sh -c and Atlantis' variables: $PLANFILE, a multi-line script", async () => {
    const atlantis = `version: 3
projects:
  - dir: app
    workflow: scripted
workflows:
  scripted:
    plan:
      steps:
        - init
        - run: |
            if [ -n "$PULL_NUM" ]; then
              echo "pr $PULL_NUM into $BASE_BRANCH_NAME, project $PROJECT_NAME in $WORKSPACE at $REPO_REL_DIR"
            fi
        - run: terraform plan -input=false -no-color -out=$PLANFILE
`;
    const tf = 'resource "terraform_data" "x" {\n  input = "a"\n}\n';
    const plan = await planOf("run-steps", { "atlantis.yaml": atlantis, "app/main.tf": tf }, { "app/main.tf": tf.replace('"a"', '"b"') });
    expect(plan).toContain("**`app`** (`app`, workspace `default`): `+1 ~0 -0`");
    expect(plan).toMatch(/pr \d+ into main, project app in default at app/);
    expect(plan).not.toContain("is not installed");
  });

  it("an apply's `run` steps get the pull request's variables too", async () => {
    const atlantis = `version: 3
projects:
  - dir: app
    workflow: scripted
workflows:
  scripted:
    apply:
      steps:
        - run: echo "applying pr $PULL_NUM of $PULL_AUTHOR for $USER_NAME into $BASE_BRANCH_NAME at $HEAD_COMMIT"
        - apply
`;
    const tf = 'resource "terraform_data" "x" {\n  input = "a"\n}\n';
    const repo = await h.sim.createRepo({ owner: "acme", name: "apply-steps", files: { "atlantis.yaml": atlantis, "app/main.tf": tf } });
    h.sim.setPermission(repo, "bob", "write");
    await h.sim.pushBranch(repo, { branch: "change", files: { "app/main.tf": tf.replace('"a"', '"b"') } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    await completed(h, repo, pr.headSha, "sluice/apply");
    const said = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(said).toContain(`applying pr ${pr.number} of alice for bob into main at ${pr.headSha}`);
  });

  it("honours `branch`: a project exists only for pull requests into a base branch its regex matches", async () => {
    const files = { "atlantis.yaml": BY_BRANCH, "app/main.tf": BY_BRANCH_TF };
    const change = { "app/main.tf": BY_BRANCH_TF.replace('"a"', '"b"') };
    const main = await planOf("branch-main", files, change);
    expect(main).toContain("**`live`** (`app`, workspace `default`)");
    expect(main).not.toContain("workspace `release`");
    const release = await planOf("branch-release", files, change, "release-1");
    expect(release).toContain("**`live`** (`app`, workspace `release`)");
    expect(release).not.toContain("workspace `default`");
  });

  it("honours `branch` for `/state rm` too: a PR into a release branch cannot reach main's project (control: into main it does)", async () => {
    const stateRm = async (name: string, base?: string) => {
      h.sim.setPermission(`acme/${name}`, "alice", "write");
      const repo = await h.sim.createRepo({ owner: "acme", name, files: { "atlantis.yaml": BY_BRANCH, "app/main.tf": BY_BRANCH_TF } });
      if (base) await h.sim.pushBranch(repo, { branch: base, files: {} });
      await h.sim.pushBranch(repo, {
        branch: "change",
        files: { "app/main.tf": BY_BRANCH_TF.replace('"a"', '"b"') },
        ...(base ? { from: base } : {}),
      });
      const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice", ...(base ? { base } : {}) });
      await completed(h, repo, pr.headSha, "sluice/plan");
      return say(h, repo, pr.number, "alice", "/state rm -w default terraform_data.x");
    };
    const release = await stateRm("state-branch-release", "release-1");
    expect(release).toContain("workspace `default` is not configured for `app`");
    const main = await stateRm("state-branch-main");
    expect(main).not.toContain("is not configured for");
  });
});
