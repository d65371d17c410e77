import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { previewComment, stateInputs, storeRows, waitPreviewComment } from "../support/previews.js";
import { completed } from "./trust-holes-support.js";

/**
 * Two projects on one dir (production in `default`, staging in `staging`, Atlantis' usual
 * layout), both with a preview and the default template `pr-{number}`: both previews went to
 * workspace `pr-N` of that dir, one backend, so one state. The second apply wrote over the first,
 * whose row still said live, and either one's teardown destroyed both.
 */
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [preview]\n" });
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const config = (stagingTemplate?: string) =>
  [
    "version: 1",
    "projects:",
    "  - name: app-prod",
    "    dir: app",
    "    preview: { vars: { flavor: prod } }",
    "  - name: app-staging",
    "    dir: app",
    "    workspace: staging",
    `    preview: { vars: { flavor: staging }${stagingTemplate ? `, workspace: "${stagingTemplate}"` : ""} }`,
    "",
  ].join("\n");
const appTf = (dir: string, v: string) =>
  `terraform {\n  backend "local" {\n    path          = "${join(dir, "prod.tfstate")}"\n    workspace_dir = "${join(dir, "ws")}"\n  }\n}\nvariable "flavor" {\n  type    = string\n  default = "real"\n}\nresource "terraform_data" "web" {\n  input = "\${terraform.workspace}-\${var.flavor}-${v}"\n}\n`;

async function previewsOf(name: string, stagingTemplate?: string) {
  const dir = await mkdtemp(join(h.stateDir, `${name}-`));
  const files = { ".sluice.yaml": config(stagingTemplate), "app/main.tf": appTf(dir, "v1") };
  const repo = await h.sim.createRepo({ owner: "acme", name, files });
  await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(dir, "v2") } });
  const pr = await h.sim.openPullRequest(repo, { head: "feature", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  // Both projects' outcomes are in the comment at once: the job posts it when it has synced both.
  await waitPreviewComment(h, repo, pr.number, /`app-staging`|No preview of app-staging/, "no preview outcome for app-staging");
  const ws = (w: string) => join(dir, "ws", w, "terraform.tfstate");
  const rows = storeRows<{ project: string; status: string }>(
    h,
    "SELECT project, status FROM previews WHERE repo = ? ORDER BY project",
    repo.fullName,
  );
  return { repo, pr, ws, rows, said: previewComment(h, repo, pr.number) };
}

describe("two projects' previews never share one workspace", { timeout: 300_000 }, () => {
  it("the second project on the dir gets no preview in the first one's workspace, and says why", async () => {
    const { pr, ws, rows, said } = await previewsOf("shared-1");
    expect(await stateInputs(ws(`pr-${pr.number}`)), said).toEqual([`pr-${pr.number}-prod-v2`]);
    expect(rows.filter((r) => r.status !== "destroyed").map((r) => r.project)).toEqual(["app-prod"]);
    expect(said).toContain(`No preview of app-staging: workspace \`pr-${pr.number}\` of \`app\` is already the preview of app-prod`);
  });

  it("control: with a template of its own, each project's preview is live in its own workspace", async () => {
    const { pr, ws, rows, said } = await previewsOf("shared-2", "staging-pr-{number}");
    expect(
      rows.map((r) => `${r.project}:${r.status}`),
      said,
    ).toEqual(["app-prod:live", "app-staging:live"]);
    expect(await stateInputs(ws(`pr-${pr.number}`))).toEqual([`pr-${pr.number}-prod-v2`]);
    expect(await stateInputs(ws(`staging-pr-${pr.number}`))).toEqual([`staging-pr-${pr.number}-staging-v2`]);
  });
});
