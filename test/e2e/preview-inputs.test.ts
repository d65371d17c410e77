import { mkdtemp, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, stateResources } from "../support/harness.js";
import { applyOutside } from "../support/apply-outside.js";
import { allowedRoads, previewComment, stateInputs } from "../support/previews.js";
import { untilIdle } from "../support/until-idle.js";

// A preview that takes other projects' outputs (`inputs_from`): from the producer's own preview
// when the producer has one in the same pull request, else (a producer without previews) from
// its real state; a producer's teardown takes its dependents' previews first.

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [preview]\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const backend = (dir: string, name: string) =>
  `terraform {\n  backend "local" {\n    path          = "${join(dir, `${name}.tfstate`)}"\n    workspace_dir = "${join(dir, `${name}-ws`)}"\n  }\n}\n`;

// Production's database, applied before Sluice: it has no preview, so previews read its state.
const db = (dir: string) => `${backend(dir, "db")}
resource "terraform_data" "db" {
  input = "prod-db"
}
output "dsn" {
  value = terraform_data.db.output
}
`;
const network = (dir: string) => `${backend(dir, "network")}
resource "terraform_data" "vpc" {
  input = "vpc-\${terraform.workspace}"
}
output "vpc_id" {
  value = terraform_data.vpc.output
}
`;
// No defaults: the preview's plan, and its destroy plan, fail without the inputs.
const app = (dir: string, version: string) => `${backend(dir, "app")}
variable "vpc_id" {
  type = string
}
variable "dsn" {
  type = string
}
resource "terraform_data" "app" {
  input = "\${var.vpc_id} \${var.dsn} ${version}"
}
`;

const CONFIG = `version: 1
projects:
  - name: app
    dir: app
    inputs_from:
      vpc_id: network.vpc_id
      dsn: db.dsn
    preview: {}
  - name: network
    dir: network
    preview: {}
  - name: db
    dir: db
`;

/** Production's db applied, a repository of the three projects, and a PR whose two previews went live. */
async function livePreviews(name: string) {
  const dir = await mkdtemp(join(h.stateDir, `${name}-`));
  await applyOutside(dir, db(dir));
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: {
      ".sluice.yaml": CONFIG,
      "db/main.tf": db(dir),
      "network/main.tf": network(dir),
      "app/main.tf": app(dir, "v1"),
    },
  });
  h.sim.setPermission(repo, "alice", "write");
  await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": app(dir, "v2") } });
  const pr = await h.sim.openPullRequest(repo, { head: "feature", author: "alice", title: "feature" });
  const ws = (project: string) => join(dir, `${project}-ws`, `pr-${pr.number}`, "terraform.tfstate");
  await h.sim.waitFor(() => (previewComment(h, repo, pr.number).match(/✅ live/g) ?? []).length === 2, {
    message: "the two previews did not go live",
    timeoutMs: 180_000,
  });
  return { dir, repo, pr, ws };
}

describe("previews with inputs from other projects", { timeout: 300_000 }, () => {
  it("the dependent's preview reads its producer's preview and the real state of a producer without one; both are destroyed at close", async () => {
    const { dir, repo, pr, ws } = await livePreviews("preview-inputs");
    expect(await stateInputs(ws("network"))).toEqual([`vpc-pr-${pr.number}`]);
    expect(await stateInputs(ws("app"))).toEqual([`vpc-pr-${pr.number} prod-db v2`]);
    const prodDb = await readFile(join(dir, "db.tfstate"), "utf8");

    await h.sim.closePullRequest(repo, pr.number, { user: "alice" });
    await h.sim.waitFor(() => (previewComment(h, repo, pr.number).match(/🗑️ destroyed/g) ?? []).length === 2, {
      message: "the previews were not both destroyed",
      timeoutMs: 180_000,
    });
    expect(await stateResources(ws("app"))).toEqual([]);
    expect(await stateResources(ws("network"))).toEqual([]);
    // Production's state was only read.
    expect(await readFile(join(dir, "db.tfstate"), "utf8")).toBe(prodDb);
  });

  it("a job naming the dependent alone reads the producer's preview; the producer's teardown takes the dependent first", async () => {
    const { repo, pr, ws } = await livePreviews("preview-inputs-by-name");
    const app = `vpc-pr-${pr.number} prod-db v2`;
    // network has no real state: a destroy plan of app reading it in place of network's preview fails.
    await h.sim.comment(repo, pr.number, { user: "alice", body: "/preview recreate -p app" });
    await untilIdle(h.app.dataDir, 180_000);
    expect(previewComment(h, repo, pr.number)).not.toContain("destroy failed");
    expect(allowedRoads(h, repo).filter((r) => r === "preview-destroy")).toHaveLength(1);
    expect((previewComment(h, repo, pr.number).match(/✅ live/g) ?? []).length).toBe(2);
    expect(await stateInputs(ws("app"))).toEqual([app]);

    await h.sim.comment(repo, pr.number, { user: "alice", body: "/preview destroy -p network" });
    await untilIdle(h.app.dataDir, 180_000);
    expect((previewComment(h, repo, pr.number).match(/🗑️ destroyed/g) ?? []).length).toBe(2);
    expect(await stateResources(ws("app"))).toEqual([]);
    expect(await stateResources(ws("network"))).toEqual([]);
  });
});
