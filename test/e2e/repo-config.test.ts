import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { untilIdle } from "../support/until-idle.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    serverConfig: [
      "apply_requirements: [approved]",
      "allowed_overrides: [workflow, apply_requirements]",
      'allow_custom_workflows: ["acme/custom-*"]',
      "",
    ].join("\n"),
  });
  for (const u of ["alice", "bob"]) h.sim.addUser(u);
});
afterAll(async () => {
  await h?.stop();
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

async function completed(repo: Repo, sha: string, name = "sluice/plan", count = 1) {
  await h.sim.waitFor(() => h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed").length >= count, {
    message: `no completed ${name} (#${count})`,
    timeoutMs: 120_000,
  });
  const done = h.sim.checkRuns(repo, sha).filter((c) => c.name === name && c.status === "completed");
  return done[done.length - 1] as (typeof done)[number];
}

async function openPr(name: string, files: Record<string, string>, change: Record<string, string | null>) {
  for (const u of ["alice", "bob"]) h.sim.setPermission(`acme/${name}`, u, "write");
  const repo = await h.sim.createRepo({ owner: "acme", name, files });
  await h.sim.pushBranch(repo, { branch: "c", files: change });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
  return { repo, pr };
}

const envProject = `variable "env" {}\nresource "terraform_data" "app" {\n  input = var.env\n}\n`;
const atlantisYaml = `version: 3
projects:
${["dev", "stage", "prod"]
  .map(
    (ws, i) => `  - name: ${ws}
    dir: app
    workspace: ${ws}
    autoplan:
      when_modified: ["*.tf", "env/${ws}.tfvars"]
    execution_order_group: ${i + 1}
    workflow: ${ws}
${i > 0 ? `    depends_on: [${i === 1 ? "dev" : "stage"}]\n` : ""}`,
  )
  .join("")}workflows:
${["dev", "stage", "prod"].map((ws) => `  ${ws}:\n    plan:\n      steps:\n        - init\n        - plan:\n            extra_args: ["-var-file", "env/${ws}.tfvars"]\n`).join("")}`;

describe("repo config", () => {
  it("an atlantis.yaml repo plans its projects in execution order, with each workflow's arguments", async () => {
    const files = {
      "atlantis.yaml": atlantisYaml,
      "app/main.tf": envProject,
      "app/env/dev.tfvars": 'env = "d"\n',
      "app/env/stage.tfvars": 'env = "s"\n',
      "app/env/prod.tfvars": 'env = "p"\n',
    };
    const { repo, pr } = await openPr("atlantis-envs", files, { "app/main.tf": `${envProject}\n# touched\n` });
    const check = await completed(repo, pr.headSha);
    expect(check.conclusion).toBe("success");
    const body = bot(repo, pr.number)[0]?.body ?? "";
    for (const [ws, value] of [
      ["dev", "d"],
      ["stage", "s"],
      ["prod", "p"],
    ]) {
      expect(body).toContain(`workspace \`${ws}\``);
      expect(body, body).toContain(`input  = "${value}"`);
    }
    // Dependency order, as the job log shows it.
    const order = h.app
      .output()
      .split("\n")
      .filter((l) => l.includes('"msg":"planning project"') && l.includes(`"jobId":`))
      .map((l) => (JSON.parse(l) as { project: string }).project)
      .filter((p) => ["dev", "stage", "prod"].includes(p));
    expect(order.slice(0, 3)).toEqual(["dev", "stage", "prod"]);

    // `atlantis plan` works here because the repo uses atlantis.yaml.
    await h.sim.comment(repo, pr.number, { user: "bob", body: "atlantis plan -p stage" });
    await completed(repo, pr.headSha, "sluice/plan", 2);
    const reply = bot(repo, pr.number)[1]?.body ?? "";
    expect(reply).toContain("workspace `stage`");
    expect(reply).not.toContain("workspace `prod`");
  });

  it("`atlantis plan` is not answered in a repo without atlantis.yaml", async () => {
    const { repo, pr } = await openPr("no-atlantis", { "net/main.tf": tfProject("net") }, { "net/main.tf": tfProject("net", 2) });
    await completed(repo, pr.headSha);
    await h.sim.comment(repo, pr.number, { user: "bob", body: "atlantis plan" });
    await untilIdle(h.app.dataDir);
    expect(bot(repo, pr.number)).toHaveLength(1);
  });

  it("an invalid .sluice.yaml in the PR: the error with key and line, a failed check, nothing runs", async () => {
    const bad = "version: 1\nprojects:\n  - name: net\n    dir: ../../etc\n";
    const { repo, pr } = await openPr(
      "bad-config",
      { "net/main.tf": tfProject("net") },
      { ".sluice.yaml": bad, "net/main.tf": tfProject("net", 2) },
    );
    const check = await completed(repo, pr.headSha);
    expect(check.conclusion).toBe("failure");
    const body = bot(repo, pr.number)[0]?.body ?? "";
    expect(body).toContain(".sluice.yaml is invalid");
    expect(body).toContain("projects[0].dir");
    expect(body).toContain("(line 4)");
    const plans = await readdir(join(h.app.dataDir, "plans")).catch(() => [] as string[]);
    expect(plans.filter((d) => d.includes("bad-config"))).toEqual([]);
  });

  it("a PR cannot loosen its own apply requirements: the base branch's config decides", async () => {
    const strict = "version: 1\nprojects:\n  - name: net\n    dir: net\n    apply_requirements: [approved]\n";
    const loose = "version: 1\nprojects:\n  - name: net\n    dir: net\n    apply_requirements: []\n";
    const { repo, pr } = await openPr(
      "loosen",
      { ".sluice.yaml": strict, "net/main.tf": tfProject("net") },
      {
        ".sluice.yaml": loose,
        "net/main.tf": tfProject("net", 2),
      },
    );
    await completed(repo, pr.headSha);
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    const check = await completed(repo, pr.headSha, "sluice/apply");
    expect(check.conclusion).toBe("failure");
    // A refusal's check is completed before its comment is (the PR's apply slot is freed between).
    await h.sim.waitFor(() => (bot(repo, pr.number)[1]?.body ?? "").includes("needs 1 more approval"), {
      message: "no refusal naming the approval it needs",
      timeoutMs: 30_000,
    });
  });

  it("custom `run` steps run only where the server allows them, as argv without a shell", async () => {
    const config = (name: string) =>
      `version: 1\nprojects:\n  - name: net\n    dir: net\n    workflow: w\nworkflows:\n  w:\n    plan:\n      steps:\n        - run: ["sh", "-c", "echo custom-step-ran $WORKSPACE"]\n        - init\n        - plan\n# ${name}\n`;
    const denied = await openPr(
      "plain-workflow",
      { ".sluice.yaml": config("a"), "net/main.tf": tfProject("net") },
      { "net/main.tf": tfProject("net", 2) },
    );
    expect((await completed(denied.repo, denied.pr.headSha)).conclusion).toBe("failure");
    expect(bot(denied.repo, denied.pr.number)[0]?.body).toContain("allow_custom_workflows");

    const allowed = await openPr(
      "custom-workflow",
      { ".sluice.yaml": config("b"), "net/main.tf": tfProject("net") },
      { "net/main.tf": tfProject("net", 2) },
    );
    expect((await completed(allowed.repo, allowed.pr.headSha)).conclusion).toBe("success");
    expect(bot(allowed.repo, allowed.pr.number)[0]?.body).toContain("custom-step-ran default");
  });

  it("a 100-project PR is planned in parallel, every project reported", async () => {
    const files: Record<string, string> = {};
    const change: Record<string, string> = {};
    for (let i = 0; i < 100; i++) {
      files[`stacks/s${i}/main.tf`] = tfProject(`s${i}`);
      change[`stacks/s${i}/main.tf`] = tfProject(`s${i}`, 2);
    }
    const { repo, pr } = await openPr("hundred", files, change);
    const check = await completed(repo, pr.headSha);
    expect(check.conclusion).toBe("success");
    expect(check.output.title).toContain("100 projects");
    const bodies = bot(repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    for (let i = 0; i < 100; i++) expect(bodies).toContain(`stacks/s${i}\``);
    for (const c of bot(repo, pr.number)) expect(c.body.length).toBeLessThanOrEqual(65_536);
  }, 240_000);
});
