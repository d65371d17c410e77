import { describe, expect, it } from "vitest";
import { repoSettings } from "../../src/config/repo-settings.js";
import { secretsFor } from "../../src/job-context/secrets.js";
import type { Project } from "../../src/model/project.js";
import { planRequest } from "../../src/tool-runs/runner-request.js";
import { fakeJobDeps } from "../fakes/fake-job-deps.js";

/**
 * The server's workflow is a trusted setting, found by the project's identity; the runner is what
 * the PR's tree says (a `terragrunt.hcl` in the dir makes it a unit). Terragrunt runs its own plan
 * and apply, not a workflow's steps: a PR must not shed the server's steps by adding that file.
 */
const SCANNED = [
  "workflows:",
  "  scanned:",
  "    plan:",
  "      steps: [init, plan, { run: 'tfsec --soft-fail=false .' }]",
  "default_workflow: scanned",
].join("\n");
const PLAIN = ["workflows:", "  plain:", "    plan:", "      steps: [init, plan]", "default_workflow: plain"].join("\n");

async function requestFor(serverConfig: string, runner: Project["runner"]) {
  const deps = await fakeJobDeps({ serverConfig });
  const settings = repoSettings(deps.config, "acme/infra", undefined, {}, [{ name: "prod", dir: "prod", workspace: "default" }]);
  const project: Project = { name: "prod", dir: "prod", workspace: "default", runner };
  return planRequest({ deps, settings, secrets: secretsFor(deps) }, project, { checkoutDir: "/c", dataDir: "/d", extraArgs: [] });
}

describe("a server workflow a Terragrunt unit cannot run", () => {
  it("refuses the unit's plan, naming the steps, instead of planning without them", async () => {
    const built = await requestFor(SCANNED, "terragrunt");
    expect(built.ok).toBe(false);
    expect(!built.ok && "reason" in built.result && built.result.reason).toContain("a Terragrunt unit does not run");
  });

  it("control: the same workflow runs for the Terraform project; a workflow of default steps lets a unit plan", async () => {
    expect((await requestFor(SCANNED, "terraform")).ok).toBe(true);
    expect((await requestFor(PLAIN, "terragrunt")).ok).toBe(true);
    expect((await requestFor("", "terragrunt")).ok).toBe(true);
  });
});
