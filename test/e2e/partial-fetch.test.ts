import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";

// Issue #10 item 12: a commit object in the mirror does not mean the commit can be checked out.
// A fetch cut short leaves commits without their trees and blobs; objects can also go missing
// after a fetch. Either way the next plan of that head must work.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.stop();
});

const git = (dir: string, args: string[], input?: string | Buffer) =>
  execFileSync("git", args, { cwd: dir, input, encoding: "utf8", env: { PATH: process.env.PATH ?? "", GIT_CONFIG_NOSYSTEM: "1" } }).trim();
const mirrorOf = (repo: Repo) => join(h.app.dataDir, "repos", `acme__${repo.name}.git`);
const looseObject = (mirror: string, id: string) => join(mirror, "objects", id.slice(0, 2), id.slice(2));

/** A fetch keeps its pack (git-command.ts): its objects written out one file each, so that single ones can be lost. */
function unpackAll(mirror: string) {
  const dir = join(mirror, "objects", "pack");
  for (const name of readdirSync(dir).filter((n) => n.endsWith(".pack"))) {
    const pack = readFileSync(join(dir, name));
    for (const ext of [".pack", ".idx", ".rev"]) rmSync(join(dir, name.replace(/\.pack$/, ext)), { force: true });
    git(mirror, ["unpack-objects", "-q"], pack);
  }
}

async function planned(repo: Repo, sha: string, count = 1) {
  await h.sim.waitFor(
    () => h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/plan" && c.status === "completed").length >= count,
    { timeoutMs: 60_000, message: `no completed plan #${count} on ${sha.slice(0, 7)}` },
  );
  return h.sim.checkRuns(repo, sha).filter((c) => c.name === "sluice/plan" && c.status === "completed")[count - 1];
}

it("a fetch cut short (the commit object arrived, its tree and blobs did not): the plan of that head still works", async () => {
  h.sim.setPermission("acme/partial", "bob", "write");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name: "partial",
    files: { "net/main.tf": tfProject("net"), "app/main.tf": tfProject("app") },
  });
  await h.sim.pushBranch(repo, { branch: "first", files: { "net/main.tf": tfProject("net", 2) } });
  const first = await h.sim.openPullRequest(repo, { head: "first", author: "bob" });
  expect((await planned(repo, first.headSha))?.conclusion).toBe("success");

  // A second branch (another project, so no lock is in the way), not yet fetched: only its commit object reaches the mirror, as when a fetch
  // stops after writing the first objects of the pack.
  const head = await h.sim.pushBranch(repo, {
    branch: "second",
    files: { "app/main.tf": tfProject("app", 3), "app/extra.tf": tfProject("extra") },
  });
  const mirror = mirrorOf(repo);
  const commit = git(h.sim.repoDir(repo), ["cat-file", "commit", head]);
  expect(git(mirror, ["hash-object", "-t", "commit", "-w", "--stdin"], `${commit}\n`)).toBe(head);
  const tree = git(h.sim.repoDir(repo), ["rev-parse", `${head}^{tree}`]);
  expect(() => git(mirror, ["cat-file", "-e", tree])).toThrow();

  const second = await h.sim.openPullRequest(repo, { head: "second", author: "bob" });
  expect(second.headSha).toBe(head);
  const check = await planned(repo, head);
  expect(check?.conclusion, JSON.stringify(check?.output)).toBe("success");
}, 90_000);

it("objects lost after a fetch (refs say the commit is there): the next plan of that head works", async () => {
  h.sim.setPermission("acme/lost", "bob", "write");
  const repo = await h.sim.createRepo({ owner: "acme", name: "lost", files: { "net/main.tf": tfProject("net") } });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": tfProject("net", 2), "net/more.tf": tfProject("more") } });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  expect((await planned(repo, pr.headSha))?.conclusion).toBe("success");

  // The blobs of the head's files vanish from the mirror, and the worktree is gone (as after a
  // restart that cleaned up): a new worktree must be written from the mirror.
  const mirror = mirrorOf(repo);
  unpackAll(mirror);
  for (const path of ["net/main.tf", "net/more.tf"]) {
    const blob = git(mirror, ["rev-parse", `${pr.headSha}:${path}`]);
    expect(existsSync(looseObject(mirror, blob)), `${path} is a loose object`).toBe(true);
    rmSync(looseObject(mirror, blob));
  }
  rmSync(join(h.app.dataDir, "worktrees", `acme__${repo.name}`), { recursive: true, force: true });

  await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
  const again = await planned(repo, pr.headSha, 2);
  expect(again?.conclusion, JSON.stringify(again?.output)).toBe("success");
  expect(git(mirror, ["rev-list", "--objects", "--missing=print", "--no-walk", pr.headSha])).not.toMatch(/^\?/m);
}, 90_000);
