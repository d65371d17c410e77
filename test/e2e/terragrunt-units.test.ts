// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terragrunt and Terraform (HCL) text
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { bot, completed, say } from "./trust-holes-support.js";

// terragrunt cannot be installed here: the server runs the stand-in (its documented CLI over the
// real terraform), in the sandbox, as it would run terragrunt.
const STAND_IN = fileURLToPath(new URL("../fixtures/terragrunt-stand-in/terragrunt", import.meta.url));

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: `apply_requirements: []\nterragrunt_binary: ${STAND_IN}\n` });
});
afterAll(async () => {
  await h?.stop();
});

const MODULE = [
  'variable "name" {\n  type = string\n}',
  'variable "env" {\n  type = string\n}',
  'resource "terraform_data" "svc" {\n  input = "${var.name}-${var.env}"\n}',
  'output "id" {\n  value = terraform_data.svc.input\n}\n',
].join("\n");

/** The units' shared settings: their state in a local file the server keeps (`sandbox_paths`), one per unit. */
const common = (env: string) =>
  [
    "remote_state {",
    '  backend = "local"',
    '  generate = {\n    path      = "backend.tf"\n    if_exists = "overwrite"\n  }',
    `  config = {\n    path = "${h.stateDir}/\${basename(get_terragrunt_dir())}.tfstate"\n  }`,
    "}",
    `inputs = {\n  env = "${env}"\n}\n`,
  ].join("\n");

const files = () => ({
  "README.md": "# live\n",
  "modules/svc/main.tf": MODULE,
  "env/common.hcl": common("prod"),
  "db/terragrunt.hcl":
    'include "common" {\n  path = "../env/common.hcl"\n}\nterraform {\n  source = "../modules//svc"\n}\ninputs = {\n  name = "db"\n}\n',
  "env/prod/terragrunt.hcl": [
    'include "common" {\n  path = find_in_parent_folders("common.hcl")\n}',
    'terraform {\n  source = "../../modules/svc"\n}',
    'dependency "db" {\n  config_path = "../../db"\n  mock_outputs = {\n    id = "db-mock"\n  }\n  mock_outputs_allowed_terraform_commands = ["plan", "show", "apply"]\n}',
    'inputs = {\n  name = "app-on-${dependency.db.outputs.id}"\n}\n',
  ].join("\n"),
});

describe("Terragrunt units", () => {
  it("a change to the included common file plans both units, the dependency first, each with why", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "live", files: files() });
    h.sim.setPermission("acme/live", "alice", "write");
    await h.sim.pushBranch(repo, { branch: "common", files: { "env/common.hcl": common("prod2") } });
    const pr = await h.sim.openPullRequest(repo, { head: "common", author: "alice" });
    const check = await completed(h, repo, pr.headSha, "sluice/plan");
    const body = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(check.conclusion, body).toBe("success");
    expect(body).toContain("**`db`** (`db`, workspace `default`)");
    expect(body).toContain("**`env/prod`** (`env/prod`, workspace `default`)");
    expect(body).toContain("why: `terragrunt.hcl` of `db` includes `env/common.hcl`");
    expect(body).toContain("why: `terragrunt.hcl` of `env/prod` includes `env/common.hcl`; dependency of `db`, which this change plans");
    // Terraform's own plan, through terragrunt: included inputs, the dependency's mock output.
    expect(body).toContain('input  = "db-prod2"');
    expect(body).toContain('input  = "app-on-db-mock-prod2"');
    // The source module is the units' own: never a Terraform project of its own.
    expect(body).not.toContain("**`modules/svc`**");
    const order = h.app
      .output()
      .split("\n")
      .filter((l) => l.includes('"msg":"planning project"'))
      .map((l) => JSON.parse(l) as { project: string; wave: number })
      .map((l) => `${l.project} (wave ${l.wave})`);
    expect(order).toEqual(["db (wave 1)", "env/prod (wave 2)"]);

    const why = await say(h, repo, pr.number, "alice", "/plan --why");
    expect(why).toContain("2 projects would be planned");
    expect(why).toContain("why: terragrunt.hcl of env/prod includes env/common.hcl");
    expect(why).toContain("why: dependency of db, which this change plans");

    // Applies follow the same order: the saved plans, the dependency first.
    const applied = await say(h, repo, pr.number, "alice", "/apply");
    expect(applied, applied).toContain("Apply complete!");
    const applies = h.app
      .output()
      .split("\n")
      .filter((l) => l.includes('"msg":"applying project"'))
      .map((l) => JSON.parse(l) as { project: string; wave: number })
      .map((l) => `${l.project} (wave ${l.wave})`);
    expect(applies).toEqual(["db (wave 1)", "env/prod (wave 2)"]);
    // Applied means read back through the backend: the next plan of the same commit has nothing to do.
    const again = await say(h, repo, pr.number, "alice", "/plan");
    expect(again, again).not.toMatch(/to add/);
  });

  it("a unit without remote_state (its state in Sluice's scratch copy of the unit) is refused at plan, saying why", async () => {
    const unit = 'terraform {\n  source = "../modules/svc"\n}\ninputs = {\n  name = "a"\n  env = "e"\n}\n';
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "tg-state",
      files: { "modules/svc/main.tf": MODULE, "app/terragrunt.hcl": unit },
    });
    h.sim.setPermission("acme/tg-state", "alice", "write");
    await h.sim.pushBranch(repo, { branch: "change", files: { "app/terragrunt.hcl": unit.replace('"a"', '"b"') } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    const check = await completed(h, repo, pr.headSha, "sluice/plan");
    const body = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(check.conclusion).toBe("failure");
    expect(body).toContain("state is a local file in Sluice's copy of the unit");
    expect(body).toContain("remote_state");
    // Nothing can be applied from a refused plan.
    const applied = await say(h, repo, pr.number, "alice", "/apply");
    expect(applied).not.toContain("Apply complete!");
  });

  it("a unit that includes a file outside the repository: discovery does not read it and says so; terragrunt, in the sandbox, cannot either", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "hostile", files: { "modules/svc/main.tf": MODULE, "README.md": "# x\n" } });
    h.sim.setPermission("acme/hostile", "mallory", "write");
    const unit =
      'include "x" {\n  path = "../../../../../../etc/passwd"\n}\nterraform {\n  source = "../modules/svc"\n}\ninputs = {\n  name = "x"\n  env = "y"\n}\n';
    await h.sim.pushBranch(repo, { branch: "steal", files: { "app/terragrunt.hcl": unit } });
    const pr = await h.sim.openPullRequest(repo, { head: "steal", author: "mallory" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const body = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(body).toContain(
      "⚠️ Terragrunt unit `app`: `app/terragrunt.hcl` names `../../../../../../etc/passwd`, outside the repository: not read",
    );
    expect(body).toContain("**`app`**");
    expect(body).not.toMatch(/root:x:0:0/);
  });

  it("a dependency cycle is refused with the cycle named, and nothing is planned", async () => {
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "cycle",
      files: {
        "modules/svc/main.tf": MODULE,
        "a/terragrunt.hcl": 'terraform {\n  source = "../modules/svc"\n}\ndependency "b" {\n  config_path = "../b"\n}\n',
        "b/terragrunt.hcl": 'terraform {\n  source = "../modules/svc"\n}\ndependencies {\n  paths = ["../a"]\n}\n',
      },
    });
    h.sim.setPermission("acme/cycle", "alice", "write");
    await h.sim.pushBranch(repo, { branch: "touch", files: { "modules/svc/main.tf": `${MODULE}# touched\n` } });
    const pr = await h.sim.openPullRequest(repo, { head: "touch", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const body = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(body).toContain("Terragrunt dependency cycle: `a` → `b` → `a`");
    expect(body).not.toContain("Plan:");
  });
});
