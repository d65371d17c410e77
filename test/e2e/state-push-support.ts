import type { Harness } from "../support/harness.js";
import { tfProject } from "../support/harness.js";
import { type HttpStateBackend, httpBackendBlock } from "../support/http-state-backend.js";
import { completed, type Repo, say } from "./trust-holes-support.js";

// Shared by the state-push-*.test.ts files: a repository whose `prod` keeps its state in an http
// backend the test can make refuse writes, beside a project `app` that a pull request can change alone.

/** `prod`'s files, in the http backend `prod`, with `extra` appended. */
export const prodProject = (prod: HttpStateBackend, extra = "") => `${httpBackendBlock(prod.url)}${tfProject("prod", 1)}${extra}`;

/** A repository `acme/<name>` with `prod/` (in `prod`'s backend) and `app/`, alice and bob its writers. */
export async function prodAndApp(h: Harness, prod: HttpStateBackend, name: string) {
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  return h.sim.createRepo({ owner: "acme", name, files: { "prod/main.tf": prodProject(prod), "app/main.tf": tfProject("app", 1) } });
}

/** alice's pull request adding a resource to `prod`, planned. */
export async function growProd(h: Harness, prod: HttpStateBackend, repo: Repo) {
  await h.sim.pushBranch(repo, { branch: "grow", files: { "prod/main.tf": prodProject(prod, tfProject("extra", 1)) } });
  const grow = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completed(h, repo, grow.headSha, "sluice/plan");
  return grow;
}

/**
 * bob's `/state push-errored -p prod` on a new pull request of alice's that changes `app` only,
 * once it planned; expects it done, and the kept state (prod's and the grown resource) in the backend.
 */
export async function pushFromAppPr(h: Harness, prod: HttpStateBackend, repo: Repo) {
  await h.sim.pushBranch(repo, { branch: "app", from: "main", files: { "app/main.tf": tfProject("app", 2) } });
  const app = await h.sim.openPullRequest(repo, { head: "app", author: "alice" });
  await completed(h, repo, app.headSha, "sluice/plan");
  const pushed = await say(h, repo, app.number, "bob", "/state push-errored -p prod", "state push-errored");
  const names = ((JSON.parse(prod.state ?? "{}") as { resources?: { name: string }[] }).resources ?? []).map((r) => r.name).sort();
  return { app, pushed, names };
}
