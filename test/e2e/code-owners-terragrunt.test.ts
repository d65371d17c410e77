// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt and Terraform (HCL) text
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { say } from "./trust-holes-support.js";

// code_owners for a Terragrunt unit: what terragrunt runs is its `terraform.source` module and
// the files its configuration includes, not only the unit's own dir. A pull request changing
// an owned module through a unit must need that module's owners as it would through a
// Terraform project that uses it. terragrunt cannot be installed here: its stand-in runs.
const TERRAGRUNT = fileURLToPath(new URL("../fixtures/terragrunt-stand-in/terragrunt", import.meta.url));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: `apply_requirements: [code_owners]\nterragrunt_binary: ${TERRAGRUNT}\n` });
});
afterAll(async () => {
  await h?.stop();
});

const module = (v: string) => `resource "terraform_data" "m" {\n  input = "${v}"\n}\n`;
const common = (state: string, env: string) =>
  [
    "remote_state {",
    '  backend = "local"',
    '  generate = {\n    path      = "backend.tf"\n    if_exists = "overwrite"\n  }',
    `  config = {\n    path = "${state}"\n  }`,
    "}",
    `inputs = {\n  env = "${env}"\n}\n`,
  ].join("\n");
const UNIT = 'include "common" {\n  path = "../common.hcl"\n}\nterraform {\n  source = "../../modules//svc"\n}\n';

async function repoWith(name: string, state: string) {
  for (const u of ["alice", "olga", "mona", "sam"]) h.sim.setPermission(`acme/${name}`, u, "write");
  return h.sim.createRepo({
    owner: "acme",
    name,
    files: {
      ".github/CODEOWNERS": "/live/ @olga\n/modules/svc/ @mona\n/live/common.hcl @sam\n",
      "modules/svc/main.tf": `variable "env" {\n  type = string\n}\n${module("one")}`,
      "live/common.hcl": common(state, "prod"),
      "live/app/terragrunt.hcl": UNIT,
    },
  });
}

describe("code owners of what a Terragrunt unit runs", () => {
  it("a change to the unit's source module needs the module's owners", async () => {
    const state = join(h.stateDir, "tg-owners-module.tfstate");
    const repo = await repoWith("tg-owners-1", state);
    await h.sim.pushBranch(repo, {
      branch: "change-module",
      files: {
        "modules/svc/main.tf": `variable "env" {\n  type = string\n}\n${module("two")}`,
        "live/app/terragrunt.hcl": `${UNIT}# touched\n`,
      },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "change-module", author: "alice" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      timeoutMs: 90_000,
    });
    await h.sim.approve(repo, pr.number, "olga");
    const refused = await say(h, repo, pr.number, "olga", "/apply");
    expect(refused).toMatch(/mona\S* \(code owners of [^)]*`modules\/svc\/main.tf`/);
    expect(await stateResources(state)).toEqual([]);
    // Control: the owners of every file the unit runs approve (the included file's too), and it applies.
    await h.sim.approve(repo, pr.number, "mona");
    await h.sim.approve(repo, pr.number, "sam");
    expect(await say(h, repo, pr.number, "olga", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.m"]);
  }, 180_000);

  it("a change to a file the unit includes needs that file's owners", async () => {
    const state = join(h.stateDir, "tg-owners-include.tfstate");
    const repo = await repoWith("tg-owners-2", state);
    await h.sim.pushBranch(repo, { branch: "change-common", files: { "live/common.hcl": common(state, "prod2") } });
    const pr = await h.sim.openPullRequest(repo, { head: "change-common", author: "alice" });
    await h.sim.waitFor(() => h.sim.checkRuns(repo, pr.headSha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
      timeoutMs: 90_000,
    });
    await h.sim.approve(repo, pr.number, "olga");
    await h.sim.approve(repo, pr.number, "mona");
    const refused = await say(h, repo, pr.number, "olga", "/apply");
    expect(refused).toMatch(/sam\S* \(code owners of [^)]*`live\/common.hcl`/);
    expect(await stateResources(state)).toEqual([]);
  }, 180_000);
});
