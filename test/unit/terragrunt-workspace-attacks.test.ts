import { describe, expect, it } from "vitest";
import { terragruntEnv, terragruntPlanArgv } from "../../runners/terragrunt/terragrunt-argv.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { secretsFor } from "../../src/job-context/secrets.js";
import type { Project } from "../../src/model/project.js";
import { applyRequest, planRequest } from "../../src/tool-runs/runner-request.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";

/**
 * Locks, credentials, permissions and the gate are per dir *and workspace*; terragrunt runs the
 * unit's own (default) workspace whatever the project says. Two configured units on one dir,
 * `app-dev` (workspace dev) and `app-prod` (workspace prod), would both plan and apply the same
 * state: app-dev's looser rules and credentials reaching what app-prod guards, and two PRs
 * holding "different" locks on one state.
 */
async function requests(workspace: string) {
  const deps = await fakeJobDeps();
  const base = [{ name: "app", dir: "live/app", workspace }];
  const settings = repoSettings(deps.config, "acme/infra", undefined, {}, base);
  const project: Project = { name: "app", dir: "live/app", workspace, runner: "terragrunt" };
  const ctx = { deps, settings, secrets: secretsFor(deps) };
  return {
    plan: planRequest(ctx, project, { checkoutDir: "/c", dataDir: "/d", extraArgs: [] }),
    apply: applyRequest(ctx, project, { checkoutDir: "/c", dataDir: "/d", planFile: "/d/plan.tfplan" }),
  };
}

describe("a Terragrunt unit in a workspace other than default", () => {
  it("is refused at plan and apply, not run in the default workspace under another workspace's rules", async () => {
    // What terragrunt is told: no workspace at all.
    const flags = { tfPath: "terraform", downloadDir: "/d/c" };
    expect(JSON.stringify([terragruntPlanArgv(flags, "/p", []), terragruntEnv(flags)])).not.toContain("prod");
    const { plan, apply } = await requests("prod");
    for (const built of [plan, apply]) {
      expect(built.ok).toBe(false);
      expect(!built.ok && "reason" in built.result && built.result.reason).toContain("workspace `prod`");
    }
  });

  it("control: a unit in the default workspace is planned and applied", async () => {
    const { plan, apply } = await requests("default");
    expect(plan.ok && apply.ok).toBe(true);
  });
});
