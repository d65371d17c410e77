// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are Terraform (HCL) text, whose ${…} is HCL's
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { bot, completed } from "./trust-holes-support.js";

// A PR plans the projects that read what it changes, and says why; a README-only PR plans
// nothing and locks nothing, so another author's real change is not refused as "locked by".

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
});
afterAll(async () => {
  await h?.stop();
});

const MODULE =
  'variable "name" {\n  type = string\n}\n\nresource "terraform_data" "x" {\n  input = "${var.name}-${sha1(file("${path.module}/../../shared/settings.yaml"))}"\n}\n';
const ROOT = (name: string) =>
  `module "vpc" {\n  source = "../../modules/vpc"\n  name   = "${name}"\n}\n\nresource "terraform_data" "user_data" {\n  input = templatefile("\${path.module}/templates/user-data.tpl", { name = "${name}" })\n}\n`;

const FILES = {
  "README.md": "# infra\n",
  "modules/vpc/main.tf": MODULE,
  "modules/vpc/README.md": "# vpc\n",
  "shared/settings.yaml": "cidr: 10.0.0.0/16\n",
  "envs/prod/main.tf": ROOT("prod"),
  "envs/prod/templates/user-data.tpl": "echo ${name}\n",
  "envs/staging/main.tf": ROOT("staging"),
  "envs/staging/templates/user-data.tpl": "echo ${name}\n",
};

async function openPr(
  repo: Awaited<ReturnType<Harness["sim"]["createRepo"]>>,
  branch: string,
  author: string,
  files: Record<string, string>,
) {
  await h.sim.pushBranch(repo, { branch, files });
  const pr = await h.sim.openPullRequest(repo, { head: branch, author });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return {
    pr,
    body: bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n"),
  };
}

describe("projects from what they read", () => {
  it("a README-only PR plans and locks nothing; a file read from outside any Terraform dir plans its readers, with why", async () => {
    const repo = await h.sim.createRepo({ owner: "acme", name: "reads", files: FILES });
    for (const u of ["alice", "bob"]) h.sim.setPermission("acme/reads", u, "write");

    const docs = await openPr(repo, "docs", "alice", { "README.md": "# infra!\n", "modules/vpc/README.md": "# vpc!\n" });
    expect(docs.body).toContain("No project is affected by the changes in this pull request.");

    const shared = await openPr(repo, "shared", "bob", { "shared/settings.yaml": "cidr: 10.1.0.0/16\n" });
    expect(shared.body).not.toContain("locked by");
    expect(shared.body).toContain("**`envs/prod`** (`envs/prod`, workspace `default`)");
    expect(shared.body).toContain("**`envs/staging`** (`envs/staging`, workspace `default`)");
    expect(shared.body).toContain("why: `shared/settings.yaml`, read by module `modules/vpc` (`file`)");

    const template = await openPr(repo, "template", "alice", { "envs/staging/templates/user-data.tpl": "echo hi ${name}\n" });
    expect(template.body).toContain("**`envs/staging`**");
    expect(template.body).not.toContain("**`envs/prod`**");
    expect(template.body).toContain("why: `envs/staging/templates/user-data.tpl`, read by the project (`templatefile`)");
  });
});
