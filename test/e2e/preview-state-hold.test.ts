import { mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { applyOutside } from "../support/apply-outside.js";
import { storeRows, waitPreviewComment } from "../support/previews.js";
import { untilIdle } from "../support/until-idle.js";
import { say } from "./trust-holes-support.js";

/**
 * A preview's apply runs the pull request's code before anyone approved it. A state it leaves in
 * `errored.tfstate` (a file the run wrote: hostile) is kept and held on the preview's own
 * workspace, as docs/state.md says: never on production's project, which the preview would then
 * hold (nothing plans, applies or checks drift on it) and whose `/state push-errored` would push
 * the preview's state into production's backend with production's apply credentials.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [preview]\napply_requirements: []\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const TRUSTED = `version: 1
projects:
  - name: app
    dir: app
    preview:
      workspace: "pr-{number}"
`;

function appTf(prodState: string, wsDir: string, extra = ""): string {
  return `terraform {
  backend "local" {
    path          = "${prodState}"
    workspace_dir = "${wsDir}"
  }
}
resource "terraform_data" "web" {
  input = "\${terraform.workspace}"
}
${extra}`;
}

describe("a preview's kept state", { timeout: 300_000 }, () => {
  it("is held on the preview's workspace, never on production's project (control: production plans, nothing is pushed into it)", async () => {
    const dir = await mkdtemp(join(h.stateDir, "prev-hold-"));
    const prodState = join(dir, "prod.tfstate");
    const wsDir = join(dir, "ws");
    await applyOutside(dir, appTf(prodState, wsDir));
    const prod = JSON.parse(await readFile(prodState, "utf8")) as { lineage: string; serial: number };
    expect(await stateResources(prodState)).toEqual(["terraform_data.web"]);

    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "preview-hold",
      files: { ".sluice.yaml": TRUSTED, "app/main.tf": appTf(prodState, wsDir) },
    });
    h.sim.setPermission(repo, "alice", "write");
    h.sim.setPermission(repo, "bob", "write");
    // The PR's code, at the preview's apply only (production is only planned): it leaves a state of
    // its choosing in errored.tfstate (production's lineage, a higher serial, nothing in it) and fails.
    const forged = JSON.stringify({
      version: 4,
      terraform_version: "1.5.7",
      serial: prod.serial + 5,
      lineage: prod.lineage,
      outputs: {},
      resources: [],
    });
    const trap = `resource "terraform_data" "trap" {
  provisioner "local-exec" {
    command = "cp forged.json errored.tfstate; exit 1"
  }
}
`;
    await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(prodState, wsDir, trap), "app/forged.json": forged } });
    const pr = await h.sim.openPullRequest(repo, { head: "feature", author: "alice", title: "feature" });
    await waitPreviewComment(h, repo, pr.number, /apply failed/, "the preview's apply did not fail");
    await untilIdle(h.app.dataDir);

    // Whatever is kept, it is not production's: production (dir app, workspace default) is not held.
    const holds = storeRows<{ dir: string; workspace: string }>(
      h,
      "SELECT dir, workspace FROM state_holds WHERE repo = ? AND released_at IS NULL",
      repo.fullName,
    );
    // Kept (nothing is lost), on the preview's own workspace.
    expect(holds).toEqual([{ dir: "app", workspace: `pr-${pr.number}` }]);
    // Control: production is not held, it still plans.
    const planned = await say(h, repo, pr.number, "bob", "/plan -p app");
    expect(planned).not.toContain("is held");

    // A writer following the hold's instructions cannot push the preview's state into production.
    const pushed = await say(h, repo, pr.number, "bob", "/state push-errored -p app", "push-errored");
    expect(pushed).toContain("not held");
    expect(await stateResources(prodState)).toEqual(["terraform_data.web"]);
  });
});
