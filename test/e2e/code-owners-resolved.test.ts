import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, statefulProject, stateResources } from "../support/harness.js";

// code_owners judged on what Terraform loads and on the base branch's tree: a PR cannot take a
// file out of its owner's reach by how it writes a module source, by adding files or by deleting them.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let n = 0;

beforeAll(async () => {
  h = await startHarness({ serverConfig: "allowed_overrides: [apply_requirements]" });
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");
const FINISHED = /·\s*(✅|❌|⛔|⚠️)|Nothing to apply|Not applied|already in progress/;

async function planned(repo: Repo, sha: string) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).some((c) => c.name === "sluice/plan" && c.status === "completed"), {
    message: `no completed sluice/plan on ${sha.slice(0, 7)}`,
    timeoutMs: 90_000,
  });
  return h.sim.checkRuns(repo, sha).find((c) => c.name === "sluice/plan" && c.status === "completed");
}

async function say(repo: Repo, pr: number, user: string, body: string): Promise<string> {
  const before = bot(repo, pr).length;
  await h.sim.comment(repo, pr, { user, body });
  await h.sim.waitFor(() => bot(repo, pr).length > before && FINISHED.test(bot(repo, pr)[before]?.body ?? ""), {
    message: `no finished reply to ${body}`,
    timeoutMs: 90_000,
  });
  return bot(repo, pr)[before]?.body ?? "";
}

async function newRepo(files: Record<string, string>) {
  n++;
  const name = `owners-${n}`;
  for (const u of ["alice", "olga", "mona"]) h.sim.setPermission(`acme/${name}`, u, "write");
  return h.sim.createRepo({ owner: "acme", name, files });
}

const OWNED_NET = "version: 1\nprojects:\n  - dir: net\n    apply_requirements: [code_owners]\n";

// Spellings of `../modules/shared` Terraform accepts (checked with terraform 1.11) that the HCL text
// reading does not see. Sparse checkouts cannot know such a module either: the last two fail at
// init with it on (nothing is applied), so their repos turn it off to reach the code-owner check.
const SPELLINGS: [string, string, string][] = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL template, not a JS one
  ["a template of a literal", '"${"../modules/shared"}"', ""],
  ["parentheses", '("../modules/shared")', ""],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL template, not a JS one
  ["a template with a literal inside", '"..${"/"}modules/shared"', "sparse_checkout: false\n"],
  ["a unicode escape", '"..\\u002fmodules/shared"', "sparse_checkout: false\n"],
];

describe("code owners of modules Terraform loads", () => {
  it.each(SPELLINGS)("a module whose source is written as %s still needs its owner's approval", async (_how, source, settings) => {
    const state = join(h.stateDir, `spelled-${n + 1}.tfstate`);
    const uses = `\nmodule "shared" {\n  source = ${source}\n}\n`;
    const module = (v: string) => `resource "terraform_data" "m" {\n  input = "${v}"\n}\n`;
    const repo = await newRepo({
      ".sluice.yaml": settings + OWNED_NET,
      ".github/CODEOWNERS": "/net/ @olga\n/modules/shared/ @mona\n",
      "net/main.tf": statefulProject("net", state, 0, uses),
      "modules/shared/main.tf": module("one"),
    });
    await h.sim.pushBranch(repo, {
      branch: "change-module",
      files: { "net/main.tf": statefulProject("net", state, 1, uses), "modules/shared/main.tf": module("two") },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "change-module", author: "alice" });
    expect((await planned(repo, pr.headSha))?.conclusion).toBe("success");

    await h.sim.approve(repo, pr.number, "olga");
    const refused = await say(repo, pr.number, "olga", "/apply");
    expect(refused).toMatch(/mona\S* \(code owners of `modules\/shared\/main.tf`/);
    expect(await stateResources(state)).toEqual([]);

    await h.sim.approve(repo, pr.number, "mona");
    expect(await say(repo, pr.number, "olga", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.m", "terraform_data.net_0"]);
  });
});

describe("which files are a project's, judged on the base branch", () => {
  it("an empty .tf file added next to an owned file does not take that file out of the check", async () => {
    const state = join(h.stateDir, `nested-${n + 1}.tfstate`);
    const reads = `\nresource "terraform_data" "rules" {\n  input = file("\${path.module}/policies/rules.json")\n}\n`;
    const repo = await newRepo({
      ".sluice.yaml": OWNED_NET,
      ".github/CODEOWNERS": "/net/ @olga\n/net/policies/ @mona\n",
      "net/main.tf": statefulProject("net", state, 0, reads),
      "net/policies/rules.json": '{"allow": false}\n',
    });
    await h.sim.pushBranch(repo, {
      branch: "loosen",
      files: { "net/policies/rules.json": '{"allow": true}\n', "net/policies/empty.tf": "" },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "loosen", author: "alice" });
    expect((await planned(repo, pr.headSha))?.conclusion).toBe("success");

    await h.sim.approve(repo, pr.number, "olga");
    const refused = await say(repo, pr.number, "olga", "/apply");
    expect(refused).toMatch(/mona\S* \(code owners of [^)]*`net\/policies\/rules.json`/);
    expect(await stateResources(state)).toEqual([]);

    await h.sim.approve(repo, pr.number, "mona");
    expect(await say(repo, pr.number, "olga", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.rules"]);
    expect(JSON.parse(await readFile(state, "utf8")).resources[0].instances[0].attributes.input.value).toEqual('{"allow": true}\n');
  });
});

describe("files the plan no longer has", () => {
  it("deleting an owned file needs that file's owner, as GitHub asks; with the owner's approval it applies", async () => {
    const state = join(h.stateDir, `deleted-${n + 1}.tfstate`);
    // The guard refuses any name but the one approved: deleting it is what the PR is after.
    const guard =
      'variable "name" {\n  default = "net"\n  validation {\n    condition     = var.name == "net"\n    error_message = "only net"\n  }\n}\n';
    const repo = await newRepo({
      ".sluice.yaml": OWNED_NET,
      ".github/CODEOWNERS": "/net/ @olga\n/net/guard.tf @mona\n",
      "net/main.tf": statefulProject("net", state, 0),
      "net/guard.tf": guard,
    });
    await h.sim.pushBranch(repo, { branch: "unguard", files: { "net/main.tf": statefulProject("net", state, 1), "net/guard.tf": null } });
    const pr = await h.sim.openPullRequest(repo, { head: "unguard", author: "alice" });
    expect((await planned(repo, pr.headSha))?.conclusion).toBe("success");

    await h.sim.approve(repo, pr.number, "olga");
    const refused = await say(repo, pr.number, "olga", "/apply");
    expect(refused).toMatch(/mona\S* \(code owners of `net\/guard.tf`/);
    expect(await stateResources(state)).toEqual([]);

    await h.sim.approve(repo, pr.number, "mona");
    expect(await say(repo, pr.number, "olga", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });
});

describe("files a project reads outside its dirs", () => {
  it("a changed file the project reads with `file()` needs that file's owner; with the owner's approval it applies", async () => {
    const state = join(h.stateDir, `reads-${n + 1}.tfstate`);
    const reads = `\nresource "terraform_data" "allow" {\n  input = file("\${path.module}/../shared/allow.json")\n}\n`;
    const repo = await newRepo({
      ".sluice.yaml": `${OWNED_NET}    autoplan: { when_modified: ["*.tf", "../shared/*.json"] }\n`,
      ".github/CODEOWNERS": "/net/ @olga\n/shared/ @mona\n",
      "net/main.tf": statefulProject("net", state, 0, reads),
      "shared/allow.json": '{"cidr": "10.0.0.0/8"}\n',
    });
    await h.sim.pushBranch(repo, { branch: "open-up", files: { "shared/allow.json": '{"cidr": "0.0.0.0/0"}\n' } });
    const pr = await h.sim.openPullRequest(repo, { head: "open-up", author: "alice" });
    expect((await planned(repo, pr.headSha))?.conclusion).toBe("success");

    await h.sim.approve(repo, pr.number, "olga");
    const refused = await say(repo, pr.number, "olga", "/apply");
    expect(refused).toMatch(/mona\S* \(code owners of `shared\/allow.json`/);
    expect(await stateResources(state)).toEqual([]);

    await h.sim.approve(repo, pr.number, "mona");
    expect(await say(repo, pr.number, "olga", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.allow"]);
  });
});

describe("a pull request into a branch whose config is not trusted", () => {
  it("is judged by the default branch's CODEOWNERS, not by the base branch's, which any writer may push", async () => {
    const state = join(h.stateDir, `untrusted-${n + 1}.tfstate`);
    const repo = await newRepo({
      ".sluice.yaml": OWNED_NET,
      ".github/CODEOWNERS": "/net/ @mona\n",
      "net/main.tf": statefulProject("net", state, 0),
    });
    // alice pushes a branch of her own whose CODEOWNERS names no one, and asks to merge into it.
    await h.sim.pushBranch(repo, { branch: "scratch", files: { ".github/CODEOWNERS": "# nobody owns anything here\n" } });
    await h.sim.pushBranch(repo, { branch: "grow", from: "scratch", files: { "net/main.tf": statefulProject("net", state, 1) } });
    const pr = await h.sim.openPullRequest(repo, { head: "grow", base: "scratch", author: "alice" });
    expect((await planned(repo, pr.headSha))?.conclusion).toBe("success");

    const refused = await say(repo, pr.number, "alice", "/apply");
    expect(refused).toMatch(/mona\S* \(code owners of `net\/main.tf`\), per .github\/CODEOWNERS/);
    expect(await stateResources(state)).toEqual([]);

    await h.sim.approve(repo, pr.number, "mona");
    expect(await say(repo, pr.number, "alice", "/apply")).toMatch(/applied/i);
    expect(await stateResources(state)).toEqual(["terraform_data.net_0"]);
  });
});
