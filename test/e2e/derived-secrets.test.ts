import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../support/harness.js";
import { bot, completed } from "./trust-holes-support.js";

// A sensitive output passed by `inputs_from` goes only into a variable terraform itself treats as
// sensitive: what the consumer computes from it (a trivial transform) is then hidden by terraform,
// not left to Sluice's redaction, which finds a secret by its text only. Real terraform.

let h: Harness;
let stateDir: string;
beforeAll(async () => {
  h = await startHarness({ serverConfig: "apply_requirements: []\n" });
  stateDir = await mkdtemp(join(h.stateDir, "derived-"));
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const PASSWORD = "pw-Zq81-derived";
/** What the attacks print: the password spelled out and upper-cased. */
const FORMS = [PASSWORD, PASSWORD.split("").join("-"), PASSWORD.toUpperCase()];

const backend = (name: string) => `terraform {\n  backend "local" {\n    path = "${join(stateDir, `${name}.tfstate`)}"\n  }\n}\n`;

const db = (repo: string) => `${backend(`${repo}-db`)}
resource "terraform_data" "db" {
  input = "db-1"
}

output "db_password" {
  value     = "${PASSWORD}"
  sensitive = true
}
`;

/** The consumer: the variable as `declaration` says, and what the PR computes from it. */
const app = (repo: string, declaration: string, uses: string) => `${backend(`${repo}-app`)}
variable "db_password" {
  type = string
${declaration}}

resource "terraform_data" "spelled" {
  input = ${uses}
}

resource "terraform_data" "upper" {
  input = upper(var.db_password)
}
`;

const CONFIG =
  "version: 1\nprojects:\n  - name: db\n    dir: db\n  - name: app\n    dir: app\n    inputs_from:\n      db_password: db.db_password\n";
const SPELL = 'join("-", split("", var.db_password))';

/** Opens a PR whose head has `head` as app's main.tf; the base branch maps the input (trusted). All comments. */
async function planApp(name: string, head: string): Promise<string> {
  h.sim.setPermission(`acme/${name}`, "alice", "write");
  const repo = await h.sim.createRepo({
    owner: "acme",
    name,
    files: { ".sluice.yaml": CONFIG, "db/main.tf": db(name), "app/main.tf": app(name, "  sensitive = true\n", "var.db_password") },
  });
  // db changes too: planned in the same job, its output is known to app's plan.
  await h.sim.pushBranch(repo, { branch: "change", files: { "app/main.tf": head, "db/main.tf": `${db(name)}# 2\n` } });
  const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
  await completed(h, repo, pr.headSha, "sluice/plan");
  return bot(h, repo, pr.number)
    .map((c) => c.body)
    .join("\n")
    .replaceAll("\\_", "_");
}

describe("a sensitive output passed between projects, transformed by the consumer", () => {
  it("into a variable not declared sensitive: refused before terraform sees it, saying which variable and the fix", async () => {
    const body = await planApp("derived-plain", app("derived-plain", "", SPELL));
    // First what a reader sees: on a server without the rule, terraform prints the transforms.
    for (const form of FORMS) expect(body).not.toContain(form);
    expect(body).toContain(
      "input db_password takes db.db_password, a sensitive output, but variable `db_password` of app (app/main.tf) is not declared `sensitive = true`",
    );
    expect(body).toContain("Add `sensitive = true` to the variable");
  });

  it("into a sensitive variable whose mark the configuration strips (nonsensitive): refused", async () => {
    const body = await planApp("derived-strip", app("derived-strip", "  sensitive = true\n", `nonsensitive(${SPELL})`));
    // First what a reader sees: on a server without the rule, terraform prints the transforms.
    for (const form of FORMS) expect(body).not.toContain(form);
    expect(body).toContain("app calls functions whose results terraform does not mark sensitive even when computed from a secret");
    expect(body).toContain("`app/main.tf`: nonsensitive()");
  });

  it("into a sensitive variable tested by can(): refused (terraform leaves can()'s answer unmarked, a guess oracle)", async () => {
    const body = await planApp("derived-can", app("derived-can", "  sensitive = true\n", `can(regex("^pw-Zq81", var.db_password))`));
    // terraform 1.11 would print `input = true` here: the password starts with the guess.
    expect(body).not.toMatch(/input\s+= true/);
    expect(body).toContain("`app/main.tf`: can()");
  });

  it("into a sensitive variable echoed by terraform_data: reading its output is refused (terraform leaves the echo unmarked once applied)", async () => {
    const name = "derived-echo";
    const rotation = `${backend(`${name}-app`)}
variable "db_password" {
  type      = string
  sensitive = true
}

resource "terraform_data" "rotation" {
  input = var.db_password
}
`;
    // The base branch's app, applied before (a common pattern: replace what depends on the password when it rotates).
    const seed = join(stateDir, `${name}-seed`);
    await mkdir(seed, { recursive: true });
    await writeFile(join(seed, "main.tf"), rotation);
    const env = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_VAR_db_password: PASSWORD };
    const run = promisify(execFile);
    await run("terraform", ["init", "-input=false", "-no-color"], { cwd: seed, env });
    await run("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd: seed, env });
    await rm(seed, { recursive: true, force: true });
    h.sim.setPermission(`acme/${name}`, "alice", "write");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name,
      files: { ".sluice.yaml": CONFIG, "db/main.tf": db(name), "app/main.tf": rotation },
    });
    // The PR only plans: it reads the echo, which the state holds unmarked, and spells it out.
    const spell = `${rotation}\noutput "spelled" {\n  value = join("-", split("", terraform_data.rotation.output))\n}\n`;
    await h.sim.pushBranch(repo, { branch: "change", files: { "app/main.tf": spell, "db/main.tf": `${db(name)}# 2\n` } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const body = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n")
      .replaceAll("\\_", "_");
    // terraform 1.11 would print `+ spelled = "p-w---Z-q-8-1-..."` here.
    for (const form of FORMS) expect(body).not.toContain(form);
    expect(body).toContain("`app/main.tf`: terraform_data.rotation.output");
  }, 240_000);

  it("control: into a variable declared sensitive, the plan runs and terraform hides every transform", async () => {
    const body = await planApp("derived-ok", app("derived-ok", "  sensitive = true\n", SPELL));
    expect(body).toContain("**`app`** (`app`, workspace `default`): `+2 ~0 -0`");
    expect(body).toContain("(sensitive value)");
    expect(body).not.toContain("plan failed");
    for (const form of FORMS) expect(body).not.toContain(form);
  });
});

/**
 * terraform reports every expression that fails, and plans the rest: over a `for_each` of
 * (position, guess), an expression that fails unless the guess is right (`index()`, `regex()`, a
 * `precondition`) leaves the right guesses planned, and the errors name the wrong ones; `check`
 * blocks warn the same way in a plan that goes through. No nonsensitive(), can() or try() needed,
 * and the instance keys and block names are no form of the secret redaction knows. So a project
 * given sensitive outputs keeps its errors and warnings to itself (DIAGNOSTICS_WITHHELD).
 */
describe("a sensitive output spelled out by which expressions fail or warn", () => {
  const WITHHELD = "which of its expressions fail or warn on them can spell a secret out";
  const GUESSES = `{ for p in setproduct(range(3), split("", "abpqvwxyz-")) : "\${p[0]}:\${p[1]}" => p }`;

  it("one plan of index() over (position, guess): neither the instances planned nor the errors are shown", async () => {
    const uses = `index([each.value[1]], substr(var.db_password, each.value[0], 1))`;
    const head = `${app("derived-fails", "  sensitive = true\n", "var.db_password")}
resource "terraform_data" "probe" {
  for_each = ${GUESSES}
  input    = ${uses}
}
`;
    const body = await planApp("derived-fails", head);
    // What a reader could read on a server without the rule: the guesses terraform planned
    // (`probe["0:p"]`, `probe["1:w"]`, `probe["2:-"]`) and the ones its errors name.
    const planned = [...body.matchAll(/terraform_data\.probe\["(\d):(.)"\]/g)].map((m) => m[2]).join("");
    expect(planned).toBe("");
    expect(body).not.toContain("each.value[1] is");
    expect(body).toContain(WITHHELD);
    for (const form of FORMS) expect(body).not.toContain(form);
  });

  it("check blocks, one per (position, guess), in a plan that goes through: its warnings are not shown, its changes are", async () => {
    const checks = ["p", "q"]
      .map(
        (g) =>
          `check "first_is_${g}" {\n  assert {\n    condition     = substr(var.db_password, 0, 1) != "${g}"\n    error_message = "no"\n  }\n}\n`,
      )
      .join("");
    const body = await planApp("derived-checks", `${app("derived-checks", "  sensitive = true\n", "var.db_password")}\n${checks}`);
    // terraform warns `in check "first_is_p"`: the password starts with a p.
    expect(body).not.toContain("first_is_p");
    expect(body).toContain(WITHHELD);
    expect(body).toContain("**`app`** (`app`, workspace `default`): `+2 ~0 -0`");
  });

  it("control: a project given no secret shows its errors as terraform prints them", async () => {
    h.sim.setPermission("acme/derived-solo", "alice", "write");
    const repo = await h.sim.createRepo({ owner: "acme", name: "derived-solo", files: { "solo/main.tf": `${backend("derived-solo")}` } });
    const failing = `${backend("derived-solo")}\nresource "terraform_data" "x" {\n  input = index(["a"], "b")\n}\n`;
    await h.sim.pushBranch(repo, { branch: "change", files: { "solo/main.tf": failing } });
    const pr = await h.sim.openPullRequest(repo, { head: "change", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const body = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(body).toContain('Call to function "index" failed');
    expect(body).not.toContain(WITHHELD);
  });
});
