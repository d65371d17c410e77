import { join } from "node:path";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { type HttpStateBackend, httpBackendBlock, startHttpStateBackend } from "../support/http-state-backend.js";
import { untilIdle } from "../support/until-idle.js";
import { bot, completed } from "./trust-holes-support.js";

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_on: merge\napply_requirements: [approved]\n" });
  stateDir = h.stateDir;
});
afterAll(async () => {
  await h?.stop();
});

async function approvedPr(name: string) {
  const state = join(stateDir, `${name}.tfstate`);
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const files = { "net/main.tf": statefulProject("net", state, 0), "app/main.tf": tfProject("app") };
  const repo = await h.sim.createRepo({ owner: "acme", name, files });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": statefulProject("net", state, 2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "bob");
  return { repo, pr, state };
}

/** The locks of `repo`, read from the app's store. */
const locksOf = (repo: string) => {
  const db = new Database(join(h.app.dataDir, "sluice.db"), { readonly: true, fileMustExist: true });
  try {
    return db.prepare("SELECT pr, dir FROM locks WHERE repo = ?").all(repo) as { pr: number; dir: string }[];
  } finally {
    db.close();
  }
};

/**
 * acme/NAME's net on `backend`, grown by an approved pull request and merged while the backend
 * acknowledges the state and keeps nothing: the apply on merge's read-back fails it, which it says.
 */
async function failedOnMerge(backend: HttpStateBackend, name: string) {
  const project = (n: number) => `${httpBackendBlock(backend.url)}${tfProject("net", n)}`;
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files: { "net/main.tf": project(0) } });
  await h.sim.pushBranch(repo, { branch: "grow", files: { "net/main.tf": project(2) } });
  const pr = await h.sim.openPullRequest(repo, { head: "grow", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  await h.sim.approve(repo, pr.number, "bob");
  backend.dropWrites = true;
  const { delivery } = await h.sim.mergePullRequest(repo, pr.number);
  expect((await completed(h, repo, pr.headSha, "sluice/apply")).conclusion).toBe("failure");
  await h.sim.waitFor(() => bot(h, repo, pr.number).some((c) => c.body.includes("keeps its locks")), {
    message: "no word that the locks are kept",
    timeoutMs: 30_000,
  });
  return { repo, pr, project, delivery };
}

describe("apply_on: merge", () => {
  it("merging applies the saved plan when the merged tree is the planned tree", async () => {
    const { repo, pr, state } = await approvedPr("merge-same");
    await h.sim.mergePullRequest(repo, pr.number);
    const check = await completed(h, repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("success");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
    expect(bot(h, repo, pr.number)[1]?.body).toContain("apply on merge");
  });

  it("a merge whose tree differs is planned again and applied when the changes match", async () => {
    const { repo, pr, state } = await approvedPr("merge-unrelated");
    // The base moved on in another project: the merge commit's tree differs from the PR head's.
    await h.sim.pushBranch(repo, { branch: "main", files: { "app/main.tf": tfProject("app", 2) } });
    await h.sim.mergePullRequest(repo, pr.number);
    const check = await completed(h, repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("success");
    expect(await stateResources(state)).toEqual(["terraform_data.net_0", "terraform_data.net_1"]);
  });

  it("a merge that would change other resources than the approved plan is not applied, and says why", async () => {
    const { repo, pr, state } = await approvedPr("merge-differs");
    await h.sim.pushBranch(repo, { branch: "main", files: { "net/extra.tf": tfProject("surprise") } });
    await h.sim.mergePullRequest(repo, pr.number);
    const check = await completed(h, repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("failure");
    // A refusal's check is completed before its comment is (the PR's apply slot is freed between).
    await h.sim.waitFor(() => !/🔄 running/.test(bot(h, repo, pr.number)[1]?.body ?? "🔄 running"), {
      message: "the refusal's comment was not posted",
      timeoutMs: 30_000,
    });
    const reply = bot(h, repo, pr.number)[1]?.body ?? "";
    expect(reply).toContain("other changes than the approved plan");
    expect(reply).toContain("terraform_data.surprise_0");
    expect(await stateResources(state)).toEqual([]);
  });

  it("an apply on merge that failed keeps the PR's locks for a person: the next PR waits until /unlock (control: a merge that applied releases them)", async () => {
    // Control: an apply on merge that landed releases the merged PR's locks.
    const ok = await approvedPr("merge-released");
    await h.sim.mergePullRequest(ok.repo, ok.pr.number);
    expect((await completed(h, ok.repo, ok.pr.headSha, "sluice/apply")).conclusion).toBe("success");
    await h.sim.waitFor(() => locksOf("acme/merge-released").length === 0, { message: "locks kept after a good merge", timeoutMs: 30_000 });

    // A backend that acknowledges the state and keeps nothing: the apply's read-back fails it.
    const backend = await startHttpStateBackend();
    try {
      const { repo, pr, project } = await failedOnMerge(backend, "merge-failed");
      expect(locksOf("acme/merge-failed")).toEqual([{ pr: pr.number, dir: "net" }]);
      // The next pull request on the project waits for a person.
      await h.sim.pushBranch(repo, { branch: "more", files: { "net/main.tf": project(3) } });
      const next = await h.sim.openPullRequest(repo, { head: "more", author: "alice" });
      await h.sim.waitFor(() => bot(h, repo, next.number).some((c) => c.body.includes(`locked by #`)), {
        message: "the next PR was not told of the lock",
        timeoutMs: 60_000,
      });
      // Once someone checked the state, /unlock on the merged PR releases it.
      backend.dropWrites = false;
      await h.sim.comment(repo, pr.number, { user: "bob", body: "/unlock" });
      await h.sim.waitFor(() => locksOf("acme/merge-failed").every((l) => l.pr === next.number), {
        message: "the kept lock was not released by /unlock",
        timeoutMs: 60_000,
      });
    } finally {
      await backend.close();
    }
  }, 180_000);

  it("the merge's closed event replayed under a new delivery id does not release the locks a failed apply on merge kept", async () => {
    const backend = await startHttpStateBackend();
    try {
      const { repo, pr, delivery } = await failedOnMerge(backend, "merge-replayed");
      await untilIdle(h.app.dataDir);
      expect(locksOf("acme/merge-replayed")).toEqual([{ pr: pr.number, dir: "net" }]);
      // The signed body of the merge, captured and sent again under an id of the attacker's.
      expect((await h.sim.redeliver(delivery.deliveryId, { asNewId: "replayed-merge" })).status).toBe(202);
      await untilIdle(h.app.dataDir);
      expect(locksOf("acme/merge-replayed")).toEqual([{ pr: pr.number, dir: "net" }]);
      // Control: a person's /unlock still releases it.
      await h.sim.comment(repo, pr.number, { user: "bob", body: "/unlock" });
      await h.sim.waitFor(() => locksOf("acme/merge-replayed").length === 0, {
        message: "the kept lock was not released by /unlock",
        timeoutMs: 60_000,
      });
    } finally {
      await backend.close();
    }
  }, 180_000);
});
