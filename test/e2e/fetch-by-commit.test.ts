import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readdir, rm, truncate } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { GitError } from "../../src/workspace/git-error.js";
import { GitMirrors } from "../../src/workspace/git-mirrors.js";
import { createRunGit } from "../../src/workspace/run-git.js";
import { type Simulator, startSimulator } from "../simulator/github-simulator.js";

// A checkout fetches the commits the API named, by id, over the simulator's real smart HTTP:
// git then asks for no list of refs, and a commit the server no longer has is named as such.

let sim: Simulator;
let root: string;
beforeAll(async () => {
  sim = await startSimulator({ webhookSecret: "fetch-by-commit" });
  root = await mkdtemp(join(tmpdir(), "sluice-fetch-"));
});
afterAll(async () => {
  await sim?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

const git = (dir: string, args: string[]) => execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();

async function setUp(name: string, opts: ConstructorParameters<typeof GitMirrors>[2] = {}) {
  const repo = await sim.createRepo({ owner: "acme", name, files: { "net/main.tf": "# net\n" } });
  const headSha = await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": "# net, changed\n" } });
  const pr = await sim.openPullRequest(repo, { head: "change", author: "alice" });
  const mirrors = new GitMirrors(join(root, name), createRunGit({ timeoutMs: 60_000, redact: (s) => s }), opts);
  const ref = { owner: "acme", name };
  const mirror = await mirrors.ensure(ref, repo.cloneUrl);
  const baseSha = git(sim.repoDir(repo), ["rev-parse", "refs/heads/main"]);
  const req = { repo: ref, cloneUrl: repo.cloneUrl, token: sim.mintToken(), pr: pr.number, headSha, baseSha, baseRef: "main" };
  return { repo, mirrors, mirror, req };
}

it("fetches the head and base the API named in one request after the capabilities, and keeps them under the PR's refs", async () => {
  const { repo, mirrors, mirror, req } = await setUp("by-commit");
  // Control: the branch moves on after the API read; the checkout still gets what the job read.
  await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": "# net, changed again\n" } });
  const before = sim.calls.length;
  await mirrors.complete(req, mirror);
  const gitCalls = sim.calls.slice(before).filter((c) => c.kind === "git");
  // GET info/refs (capabilities) and one POST (the pack): no ls-refs request.
  expect(gitCalls.map((c) => c.method)).toEqual(["GET", "POST"]);
  expect(git(mirror, ["rev-parse", `refs/sluice/pull/${req.pr}`])).toBe(req.headSha);
  expect(git(mirror, ["rev-parse", "refs/sluice/base/main"])).toBe(req.baseSha);
  expect(git(mirror, ["cat-file", "-t", `${req.headSha}^{tree}`])).toBe("tree");
  // Known and complete: nothing is fetched again.
  const again = sim.calls.length;
  await mirrors.complete(req, mirror);
  expect(sim.calls.slice(again).filter((c) => c.kind === "git")).toEqual([]);
});

it("a commit the server does not have is reported as such, not as a broken mirror", async () => {
  const { mirrors, mirror, req } = await setUp("gone");
  const gone = "0123456789abcdef0123456789abcdef01234567";
  const failure = await mirrors.complete({ ...req, headSha: gone }, mirror).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(failure).toBeInstanceOf(GitError);
  expect((failure as Error).message).toBe(`commit ${gone.slice(0, 12)} could not be fetched (force-pushed away?)`);
  // Control: the same mirror fetches the real head.
  await mirrors.complete(req, mirror);
  expect(git(mirror, ["rev-parse", `refs/sluice/pull/${req.pr}`])).toBe(req.headSha);
});

const packsOf = async (mirror: string) => (await readdir(join(mirror, "objects", "pack"))).filter((n) => n.endsWith(".pack"));
const looseIn = (mirror: string) => Number(/^count: (\d+)$/m.exec(git(mirror, ["count-objects", "-v"]))?.[1]);

it("keeps each fetch's pack as it came, no object written as a file of its own, and rolls the small packs up once there are enough", async () => {
  const { repo, mirrors, mirror, req } = await setUp("packs", { packsBeforeRollUp: 4 });
  const heads = [req.headSha];
  await mirrors.complete(req, mirror);
  // Control: below the threshold every fetch adds its pack, and nothing is rolled up.
  for (let n = 2; n <= 3; n++) {
    heads.push(await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": `# net, change ${n}\n` } }));
    await mirrors.complete({ ...req, headSha: heads.at(-1) as string }, mirror);
    expect(await packsOf(mirror)).toHaveLength(n);
    expect(looseIn(mirror)).toBe(0);
  }
  // An object no ref reaches (a force-pushed-away head a reader may still be reading): kept.
  const orphan = execFileSync("git", ["hash-object", "-w", "--stdin"], { cwd: mirror, input: "orphan\n", encoding: "utf8" }).trim();
  expect(looseIn(mirror)).toBe(1);
  heads.push(await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": "# net, change 4\n" } }));
  await mirrors.complete({ ...req, headSha: heads.at(-1) as string }, mirror);
  // The fourth pack: the small ones and the loose object became one pack; every commit fetched is still whole.
  expect((await packsOf(mirror)).length).toBeLessThan(4);
  expect(looseIn(mirror)).toBe(0);
  expect(git(mirror, ["cat-file", "-t", orphan])).toBe("blob");
  const walk = git(mirror, ["rev-list", "--objects", "--missing=print", req.baseSha, ...heads]);
  expect(walk).not.toMatch(/^\?/m);
  expect(walk.split("\n").length).toBeGreaterThan(heads.length * 3);
});

it("a roll-up that fails is logged, and the fetch it followed still counts", async () => {
  const warnings: string[] = [];
  const { repo, mirrors, mirror, req } = await setUp("roll-up-fails", { packsBeforeRollUp: 3, warn: (m) => warnings.push(m) });
  await mirrors.complete(req, mirror);
  const second = await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": "# net, change 2\n" } });
  await mirrors.complete({ ...req, headSha: second }, mirror);
  expect(warnings).toEqual([]);
  // The second pack's index is cut short: git reads the mirror without it, but cannot roll it up.
  const indexOf = (pack: string) => join(mirror, "objects", "pack", pack.replace(/\.pack$/, ".idx"));
  const ids = (pack: string) => execFileSync("git", ["show-index"], { input: readFileSync(indexOf(pack)), encoding: "utf8" });
  const damaged = (await packsOf(mirror)).filter((n) => ids(n).includes(second));
  expect(damaged).toHaveLength(1);
  const idx = indexOf(damaged[0] as string);
  await truncate(idx, 100);
  const third = await sim.pushBranch(repo, { branch: "change", files: { "net/main.tf": "# net, change 3\n" } });
  await mirrors.complete({ ...req, headSha: third }, mirror);
  expect(git(mirror, ["rev-parse", `refs/sluice/pull/${req.pr}`])).toBe(third);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/^the packs of mirror .* were not rolled up \(the next fetch tries again\): git repack failed/);
});
