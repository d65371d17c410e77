import { describe, expect, it } from "vitest";
import { gatherCodeOwners } from "../../src/repo-reading/gather-code-owners.js";
import type { RepoRef } from "../../src/model/repo.js";
import { checkCodeOwners, dependencyDirs, ownersOf, parseCodeOwners } from "../../src/policy/code-owners.js";
import { CheckoutFileError } from "../../src/util/read-checkout-file.js";
import type { Checkout } from "../../src/workspace/workspace.js";
import { FakeWorkspace } from "../fakes/fake-workspace.js";

const RULES = parseCodeOwners(`# Lines starting with '#' are comments.
*       @global-owner1 @global-owner2
*.js    @js-owner #This is an inline comment.
*.go docs@example.com
/build/logs/ @doctocat
docs/*  docs@example.com
apps/ @octocat
/docs/ @doctocat
/scripts/ @doctocat @octocat
**/logs @octocat
/apps/github
/net/ @acme/net-team
\\#hash.txt @hasher
!negated.txt @nobody
`);

describe("CODEOWNERS, GitHub's rules", () => {
  it.each<[string, string[] | undefined]>([
    ["README.md", ["@global-owner1", "@global-owner2"]],
    ["src/app.js", ["@js-owner"]],
    ["build/logs/x.txt", ["@octocat"]],
    ["build/logs/deep/x.txt", ["@octocat"]],
    ["other/build/logs/x.txt", ["@octocat"]],
    ["docs/getting-started.md", ["@doctocat"]],
    ["apps/web/index.html", ["@octocat"]],
    ["deep/apps/web/index.html", ["@octocat"]],
    ["apps/github/x.md", []],
    ["scripts/run.sh", ["@doctocat", "@octocat"]],
    ["net/main.tf", ["@acme/net-team"]],
    ["net/modules/a.tf", ["@acme/net-team"]],
    ["#hash.txt", ["@hasher"]],
    ["negated.txt", ["@global-owner1", "@global-owner2"]],
  ])("%s -> %j", (file, owners) => {
    expect(ownersOf(RULES, file)).toEqual(owners);
  });

  it("`docs/*` owns files directly in docs, not deeper ones (GitHub's documented example)", () => {
    const rules = parseCodeOwners("docs/* @docs\n");
    expect(ownersOf(rules, "docs/a.md")).toEqual(["@docs"]);
    expect(ownersOf(rules, "docs/build-app/troubleshooting.md")).toBeUndefined();
  });

  it("the last matching pattern wins", () => {
    const rules = parseCodeOwners("/net/ @a\n*.tf @b\n");
    expect(ownersOf(rules, "net/main.tf")).toEqual(["@b"]);
    expect(ownersOf(rules, "net/README.md")).toEqual(["@a"]);
  });
});

describe("checkCodeOwners", () => {
  const rules = parseCodeOwners("/net/ @olga\n/modules/shared/ @mona @acme/platform\n/net/docs/ \n");
  const facts = (files: string[], members: Record<string, string[]> = {}) => ({
    source: ".github/CODEOWNERS",
    rules,
    files,
    teamMembers: new Map(Object.entries(members).map(([t, m]) => [t, new Set(m)])),
  });

  it("a non-owner's approval does not count; the refusal names the owners still needed", () => {
    const d = checkCodeOwners(facts(["net/main.tf", "modules/shared/main.tf"]), ["bob"]);
    expect(d.allowed).toBe(false);
    const text = d.allowed ? "" : d.reasons.join();
    expect(text).toContain("@olga (code owners of `net/main.tf`)");
    expect(text).toContain("@mona or @acme/platform (code owners of `modules/shared/main.tf`)");
  });

  it("every file needs one of its owners: the project's and its modules'", () => {
    expect(checkCodeOwners(facts(["net/main.tf", "modules/shared/main.tf"]), ["olga"]).allowed).toBe(false);
    expect(checkCodeOwners(facts(["net/main.tf", "modules/shared/main.tf"]), ["OLGA", "mona"])).toEqual({ allowed: true });
  });

  it("a team owner is satisfied by an approving member", () => {
    expect(checkCodeOwners(facts(["modules/shared/main.tf"], { "acme/platform": ["pia"] }), ["pia"])).toEqual({ allowed: true });
    expect(checkCodeOwners(facts(["modules/shared/main.tf"], { "acme/platform": [] }), ["pia"]).allowed).toBe(false);
  });

  it("files without owners need nobody; no CODEOWNERS file is a refusal that says so", () => {
    expect(checkCodeOwners(facts(["net/docs/a.md", "other/x.tf"]), [])).toEqual({ allowed: true });
    const d = checkCodeOwners({ ...facts(["net/main.tf"]), source: undefined }, ["olga"]);
    expect(d.allowed ? "" : d.reasons.join()).toContain("needs a CODEOWNERS file");
  });

  it("lists a few files per owner group and counts the rest", () => {
    const d = checkCodeOwners(facts(["net/a.tf", "net/b.tf", "net/c.tf", "net/d.tf", "net/e.tf"]), []);
    expect(d.allowed ? "" : d.reasons.join()).toContain("`net/a.tf`, `net/b.tf`, `net/c.tf` and 2 more");
  });
});

describe("dependencyDirs", () => {
  it("follows local modules transitively, and stops at cycles", () => {
    const modules = new Map([
      ["modules/a", new Set(["net"])],
      ["modules/b", new Set(["modules/a"])],
      ["modules/c", new Set(["other"])],
      ["modules/d", new Set(["modules/e"])],
      ["modules/e", new Set(["modules/d", "net"])],
    ]);
    expect(dependencyDirs("net", modules)).toEqual(["modules/a", "modules/b", "modules/d", "modules/e", "net"]);
    expect(dependencyDirs("lonely", modules)).toEqual(["lonely"]);
  });
});

describe("gatherCodeOwners", () => {
  // The base branch has a dir named CODEOWNERS in .github/ and the file at the root: GitHub uses the root's.
  class DirAtGithubPath extends FakeWorkspace {
    override async readFileAt(repo: RepoRef, sha: string, path: string): Promise<string | undefined> {
      if (path === ".github/CODEOWNERS") throw new CheckoutFileError(`\`${path}\` at ${sha} is a directory, not a file`, "not-a-file");
      if (path === "CODEOWNERS" && sha === "base") throw new CheckoutFileError("too big", "too-large");
      return super.readFileAt(repo, sha, path);
    }
  }
  const repo = { owner: "acme", name: "infra" };
  const files = { CODEOWNERS: "/net/ @alice\n", "net/main.tf": "" };
  const head = { headSha: "head", files: Object.keys(files) } as Checkout;
  const vcs = { teamMember: async () => false };

  it("takes the next place when one holds a dir of that name, as GitHub does", async () => {
    const workspace = new DirAtGithubPath().commit("head", files).commit("trusted", files);
    const facts = await gatherCodeOwners({ workspace }, vcs, repo, head, "trusted", ["net"], []);
    expect(facts.get("net")).toMatchObject({ source: "CODEOWNERS", files: ["net/main.tf"] });
    expect(ownersOf(facts.get("net")?.rules ?? [], "net/main.tf")).toEqual(["@alice"]);
  });

  it("judges nesting on the trusted tree too, and adds the modules Terraform loaded", async () => {
    const base = {
      CODEOWNERS: "/net/ @alice\n/net/policies/ @mona\n/modules/ @max\n",
      "net/main.tf": "",
      "net/policies/rules.json": "{}",
      "modules/x/main.tf": "",
    };
    const headFiles = { ...base, "net/policies/empty.tf": "" };
    const workspace = new FakeWorkspace().commit("head", headFiles).commit("base", base);
    const at = { headSha: "head", files: Object.keys(headFiles).sort() } as Checkout;
    const facts = await gatherCodeOwners({ workspace }, vcs, repo, at, "base", ["net"], [], new Map([["net", ["modules/x"]]]));
    expect(facts.get("net")?.files).toEqual(["modules/x/main.tf", "net/main.tf", "net/policies/empty.tf", "net/policies/rules.json"]);
    const without = await gatherCodeOwners({ workspace }, vcs, repo, at, "base", ["net"], []);
    expect(without.get("net")?.files).not.toContain("modules/x/main.tf");
  });

  it("takes in a changed file the project reads outside its dir, and no other changed file", async () => {
    const base = {
      CODEOWNERS: "/net/ @alice\n/shared/ @mona\n/docs/ @max\n",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: an HCL template, not a JS one
      "net/main.tf": 'locals {\n  allow = file("${path.module}/../shared/allow.json")\n}\n',
      "shared/allow.json": "{}",
      "docs/readme.md": "",
    };
    const workspace = new FakeWorkspace().commit("head", base).commit("base", base);
    const changedFiles = ["shared/allow.json", "docs/readme.md"];
    const at = { headSha: "head", files: Object.keys(base).sort(), changedFiles } as Checkout;
    const facts = await gatherCodeOwners({ workspace }, vcs, repo, at, "base", ["net"], []);
    expect(facts.get("net")?.files).toEqual(["net/main.tf", "shared/allow.json"]);
  });

  it("does not pass over a CODEOWNERS file it cannot read: the apply stops with the reason", async () => {
    const workspace = new DirAtGithubPath().commit("head", files).commit("base", files);
    await expect(gatherCodeOwners({ workspace }, vcs, repo, head, "base", ["net"], [])).rejects.toThrow("too big");
  });
});
