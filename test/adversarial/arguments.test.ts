import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { botComments, canary, completedCheck, effects, exists, nextReply, type Repo, settle } from "./support.js";

// Comment arguments are attacker-controlled text. One app, one repo whose project echoes three
// variables into its plan, and symlinks that point inside, outside and at /etc/passwd.

let h: Harness;
let repo: Repo;
let pr: { number: number; headSha: string };
let outside: string;

const MAIN_TF = (n: number) => `
variable "x" {
  default = "dx"
}
variable "y" {
  default = "dy"
}
variable "z" {
  default = "dz"
}
resource "terraform_data" "echo" {
  count = ${n}
  input = [var.x, var.y, var.z]
}
`;

beforeAll(async () => {
  // Custom commands are allowed for one repo, so that only where they come from decides.
  h = await startHarness({ serverConfig: 'allow_custom_workflows: ["acme/args-wf"]\n' });
  h.sim.setPermission("acme/args", "bob", "write");
  h.sim.setPermission("acme/args-wf", "bob", "write");
  // A directory outside any checkout that looks like a project: a symlink must not make it one.
  outside = await mkdtemp(join(tmpdir(), "sluice-outside-"));
  await writeFile(join(outside, "main.tf"), 'resource "terraform_data" "outside" {\n  input = "outside"\n}\n');
  repo = await h.sim.createRepo({
    owner: "acme",
    name: "args",
    files: { "net/main.tf": MAIN_TF(1), "shared/common.tfvars": 'x = "from-the-shared-file"\n' },
    symlinks: {
      "net/inside.tfvars": "../shared/common.tfvars",
      "net/passwd.tfvars": "/etc/passwd",
      "net/up.tfvars": "../../../../../../../../etc/passwd",
      "outside-link": outside,
      "net/escape": "../../../../../../..",
    },
  });
  await h.sim.pushBranch(repo, { branch: "c", files: { "net/main.tf": MAIN_TF(2) } });
  pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  await completedCheck(h, repo, pr.headSha, "sluice/plan");
});
afterAll(async () => {
  await h?.stop();
  await rm(outside, { recursive: true, force: true });
});

async function say(body: string): Promise<string> {
  const before = botComments(h, repo, pr.number).length;
  await h.sim.comment(repo, pr.number, { user: "bob", body });
  return nextReply(h, repo, pr.number, before);
}

/** Posts comments that must each be refused before anything runs, and returns the replies in order. */
async function refusedAll(bodies: string[]): Promise<string[]> {
  await settle(h);
  const before = effects(h);
  const replies: string[] = [];
  for (const body of bodies) replies.push(await say(body));
  await settle(h);
  const after = effects(h);
  // Replies are comments, so calls grow; nothing else may: no clone, no plan, no token, no new job but the replies.
  expect({ gitFetches: after.gitFetches, plans: after.plans, tokens: after.tokens }).toEqual({
    gitFetches: before.gitFetches,
    plans: before.plans,
    tokens: before.tokens,
  });
  for (const reply of replies) expect(reply).toMatch(/^⚠️ /m);
  return replies;
}

describe("shell metacharacters in -var values", () => {
  it("are passed to terraform literally: the plan shows them and nothing is executed", async () => {
    const c = [canary("subst", h.stateDir), canary("backtick", h.stateDir), canary("chain", h.stateDir), canary("pipe", h.stateDir)];
    const line = `/plan -- -var 'x=$(touch ${c[0]})' -var "y=\`touch ${c[1]}\`" -var 'z=a; touch ${c[2]} && touch ${c[3]} | sh'`;
    const body = await say(line);
    expect(body).toMatch(/✅ planned/);
    // Terraform saw exactly the typed values (its plan output quotes them back).
    expect(body).toContain(`"$(touch ${c[0]})"`);
    expect(body).toContain(`"\`touch ${c[1]}\`"`);
    expect(body).toContain(`"a; touch ${c[2]} && touch ${c[3]} | sh"`);
    await settle(h);
    for (const path of c) expect(exists(path), path).toBe(false);
  });

  it("a metacharacter outside a value is refused, not split on", async () => {
    const c = canary("flag", h.stateDir);
    const replies = await refusedAll([
      `/plan -- -var x=1; touch ${c}`,
      `/plan -- -var '$(touch ${c})=1'`,
      `/plan -- -target='x;touch ${c}'`,
      `/plan -- -var x=1 && touch ${c}`,
      `/plan -- $(touch ${c})`,
    ]);
    expect(replies[0]).toContain("unexpected extra argument");
    expect(replies[1]).toContain("is not a variable name");
    expect(replies[2]).toContain("is not a resource address");
    expect(replies[3]).toContain("unexpected extra argument");
    expect(replies[4]).toContain("unexpected extra argument");
    expect(exists(c)).toBe(false);
  });
});

describe("workspace names", () => {
  it("with &&, $(), a leading dash or .. are refused before anything runs", async () => {
    const c = canary("ws", h.stateDir);
    const replies = await refusedAll([
      `/plan -w 'a&&touch ${c}'`,
      `/plan -w '$(touch ${c})'`,
      "/plan -w=-rf",
      "/plan -w ..",
      "/plan -w a..b",
      "/plan -w ../../etc",
      `/apply -w '\`touch ${c}\`'`,
      "/unlock -w 'a b'",
    ]);
    for (const reply of replies.filter((_, i) => i !== 2)) expect(reply).toContain("invalid workspace");
    expect(replies[2]).toMatch(/invalid workspace|needs a value/);
    expect(exists(c)).toBe(false);
  });
});

describe("directories", () => {
  it("that escape the checkout lexically, URL-encoded, absolute or with ~ are refused", async () => {
    const replies = await refusedAll([
      "/plan -d ../..",
      "/plan -d net/../../..",
      "/plan -d %2e%2e/%2e%2e",
      "/plan -d net%2f..%2f..",
      "/plan -d /etc",
      "/plan -d ~root",
      "/plan -d 'net\\..\\..'",
      "/apply -d ./../x",
    ]);
    expect(replies[0]).toContain("must not contain `..`");
    expect(replies[1]).toContain("must not contain `..`");
    expect(replies[2]).toContain("must not contain `%`");
    expect(replies[3]).toContain("must not contain `%`");
    expect(replies[4]).toContain("must be relative to the repository root");
    expect(replies[5]).toContain("must not contain `~`");
    expect(replies[6]).toContain("must not contain backslashes");
    expect(replies[7]).toContain("must not contain `..`");
  });

  it("that reach outside through a symlink in the repo are not projects", async () => {
    const plans = effects(h).plans;
    for (const dir of ["outside-link", "net/escape", "net/escape/etc"]) {
      const reply = await say(`/plan -d ${dir}`);
      expect(reply).toMatch(/❌|⛔|ℹ️/);
      expect(reply).toMatch(/no (Terraform )?project in/);
      expect(reply).toContain(`\`${dir}\``);
      expect(reply).not.toContain("terraform_data.outside");
    }
    expect(effects(h).plans).toBe(plans);
  });
});

describe("terraform flags", () => {
  it("that move state, plugins, locks or the working dir are refused by name", async () => {
    const replies = await refusedAll([
      "/plan -- -chdir=/etc",
      "/plan -- -chdir /etc",
      "/plan -- -plugin-dir=/tmp/evil-plugins",
      "/plan -- -state=/tmp/other.tfstate",
      "/plan -- -state-out=/tmp/other.tfstate",
      "/plan -- -lock=false",
      "/plan -- --lock=false",
      "/plan -- -out=/tmp/evil.tfplan",
      "/plan -- -backup=/tmp/x",
      "/plan -- -auto-approve",
    ]);
    const names = ["chdir", "chdir", "plugin-dir", "state", "state-out", "lock", "lock", "out", "backup", "auto-approve"];
    for (const [i, reply] of replies.entries()) expect(reply).toContain(`\`-${names[i]}\` is not allowed`);
  });

  it("-var-file outside the checkout, by path or through a symlink, is refused; a symlink inside works", async () => {
    const lexical = await refusedAll([
      "/plan -d net -- -var-file=/etc/passwd",
      "/plan -d net -- -var-file=../../../../etc/passwd",
      "/plan -d net -- -var-file=%2e%2e/%2e%2e/etc/passwd",
    ]);
    expect(lexical[0]).toContain("must be relative to the repository root");
    expect(lexical[1]).toContain("must not contain `..`");
    expect(lexical[2]).toContain("must not contain `%`");

    for (const file of ["passwd.tfvars", "up.tfvars"]) {
      const reply = await say(`/plan -d net -- -var-file=${file}`);
      expect(reply).toMatch(/❌ plan failed at arguments/);
      expect(reply).toContain("resolves outside the repository");
      // Not one line of the target reached the comment.
      expect(reply).not.toMatch(/root:x?:0:0/);
    }

    // Control: a symlink that stays inside the checkout is an ordinary var file.
    const inside = await say("/plan -d net -- -var-file=inside.tfvars");
    expect(inside).toMatch(/✅ planned/);
    expect(inside).toContain("from-the-shared-file");
  });
});

describe("repo config from the pull request", () => {
  async function prWithConfig(branch: string, config: string) {
    await h.sim.pushBranch(repo, { branch, from: "main", files: { ".sluice.yaml": config } });
    const opened = await h.sim.openPullRequest(repo, { head: branch, author: "bob" });
    const check = await completedCheck(h, repo, opened.headSha, "sluice/plan");
    return { check, body: await nextReply(h, repo, opened.number, 0) };
  }

  it("an alias bomb is refused with the reason and a failed check; nothing is planned", async () => {
    const plans = effects(h).plans;
    const bomb = ["version: 1", 'a: &a ["x","x","x","x","x","x","x","x","x","x"]']
      .concat(Array.from({ length: 8 }, (_, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(",")}]`))
      .join("\n");
    const { check, body } = await prWithConfig("bomb", `${bomb}\n`);
    expect(check.conclusion).toBe("failure");
    expect(body).toContain(".sluice.yaml is invalid");
    expect(body).toContain("YAML aliases expand to more than");
    expect(effects(h).plans).toBe(plans);
  });

  it("project dirs that leave the checkout through a symlink are never planned", async () => {
    const plans = effects(h).plans;
    const config = "version: 1\nprojects:\n  - name: out\n    dir: outside-link\n  - name: esc\n    dir: net/escape\n";
    await h.sim.pushBranch(repo, { branch: "symlinked-projects", from: "main", files: { ".sluice.yaml": config } });
    const opened = await h.sim.openPullRequest(repo, { head: "symlinked-projects", author: "bob" });
    await completedCheck(h, repo, opened.headSha, "sluice/plan");
    for (const [i, name] of ["out", "esc"].entries()) {
      await h.sim.comment(repo, opened.number, { user: "bob", body: `/plan -p ${name}` });
      const body = await nextReply(h, repo, opened.number, i + 1);
      expect(body).toMatch(/❌/);
      expect(body).toContain("resolves outside the repository");
      expect(body).not.toContain("terraform_data.outside");
    }
    expect(effects(h).plans).toBe(plans);
  });

  it("a PR cannot change the commands of a custom workflow: the base branch's run, the PR's never do", async () => {
    // In the harness's sandbox path: a run step can write there, and the test can look.
    const fromBase = canary("wf-base", h.stateDir);
    const fromPr = canary("wf-pr", h.stateDir);
    const config = (target: string) =>
      `version: 1\nprojects:\n  - name: ops\n    dir: ops\n    workflow: w\nworkflows:\n  w:\n    plan:\n      steps:\n        - init\n        - plan\n        - run: [touch, ${target}]\n`;
    const wf = await h.sim.createRepo({
      owner: "acme",
      name: "args-wf",
      files: { ".sluice.yaml": config(fromBase), "ops/main.tf": MAIN_TF(1) },
    });
    await h.sim.pushBranch(wf, { branch: "swap", files: { ".sluice.yaml": config(fromPr), "ops/main.tf": MAIN_TF(2) } });
    const opened = await h.sim.openPullRequest(wf, { head: "swap", author: "bob" });
    const check = await completedCheck(h, wf, opened.headSha, "sluice/plan");
    expect(check.conclusion, botComments(h, wf, opened.number)[0]?.body).toBe("success");
    // The reviewed command ran (so custom steps do run here); the PR's replacement did not.
    expect(exists(fromBase)).toBe(true);
    expect(exists(fromPr)).toBe(false);
    await rm(fromBase, { force: true });
  });
});
