import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import type { Harness } from "../support/harness.js";
import { waitPreviewComment } from "../support/previews.js";
import { completed } from "./trust-holes-support.js";

// The preview permission tests' one repository: a project `app` with a preview workspace per PR,
// its state under the test's state dir, and a PR that changes it by `author`.

const CONFIG = 'version: 1\nprojects:\n  - name: app\n    dir: app\n    preview:\n      workspace: "pr-{number}"\n';
const appTf = (dir: string, v: string) =>
  `terraform {\n  backend "local" {\n    path          = "${join(dir, "prod.tfstate")}"\n    workspace_dir = "${join(dir, "ws")}"\n  }\n}\nresource "terraform_data" "web" {\n  input = "\${terraform.workspace}-${v}"\n}\n`;

/** A new repository `name` and `author`'s PR changing its app: the preview's outcome and where its state is. */
export async function previewOf(h: Harness, name: string, author: string) {
  const dir = await mkdtemp(join(h.stateDir, `${name}-`));
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { ".sluice.yaml": CONFIG, "app/main.tf": appTf(dir, "v1") } });
  await h.sim.pushBranch(repo, { branch: "feature", files: { "app/main.tf": appTf(dir, "v2") } });
  const pr = await h.sim.openPullRequest(repo, { head: "feature", author });
  await completed(h, repo, pr.headSha, "sluice/plan");
  const said = await waitPreviewComment(h, repo, pr.number, /✅ live|No preview|refused|failed/i, "no preview outcome");
  return { said, wsState: join(dir, "ws", `pr-${pr.number}`, "terraform.tfstate"), repo, pr };
}
