import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { say } from "./trust-holes-support.js";

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
let marks: string;

beforeAll(async () => {
  marks = await mkdtemp(join(tmpdir(), "sluice-server-wf-"));
  // repos.yaml's server-side settings, as Sluice's server config has them.
  h = await startHarness({
    serverConfig: [
      "autoplan: false",
      "repo_config_file: infra.yaml",
      "allow_commands: [plan, apply, unlock, help, drift]",
      "workflows:",
      "  shared:",
      "    plan:",
      "      steps:",
      "        - init",
      `        - run: [sh, -c, 'echo "$PROJECT_NAME" >> ${join(marks, "ran.log")}']`,
      "        - plan",
      "allowed_workflows: [shared]",
      "allowed_overrides: [workflow]",
      "allow_custom_workflows: [acme/custom-ok]",
      "",
    ].join("\n"),
    env: { SLUICE_SANDBOX_PATHS: marks },
  });
});
afterAll(async () => {
  await h?.stop();
  await rm(marks, { recursive: true, force: true });
});

const bot = (repo: Repo, pr: number) => h.sim.comments(repo, pr).filter((c) => c.user === "sluice[bot]");

describe("server-side repo settings", () => {
  it("no autoplan, a custom config file name, a server workflow picked by name, and a disabled command", async () => {
    for (const u of ["alice", "bob"]) h.sim.addUser(u);
    h.sim.setPermission("acme/serverside", "bob", "write");
    const config = "version: 1\nprojects:\n  - name: core\n    dir: core\n    workflow: shared\n";
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "serverside",
      files: { "infra.yaml": config, "core/main.tf": tfProject("core") },
    });
    await h.sim.pushBranch(repo, { branch: "c", files: { "core/main.tf": tfProject("core", 2) } });
    const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });

    // autoplan is off: the comment below is the first thing Sluice says on this PR.
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
    await h.sim.waitFor(() => /·\s*(✅|❌|⛔)/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });
    expect(bot(repo, pr.number)[0]?.body).toContain("Plan: 2 to add");
    expect(bot(repo, pr.number)[0]?.body).toContain("/plan");
    // The project (and its workflow name) came from infra.yaml; the steps from the server.
    expect((await readFile(join(marks, "ran.log"), "utf8")).trim()).toBe("core");

    await h.sim.comment(repo, pr.number, { user: "bob", body: "/import terraform_data.core_1 x" });
    await h.sim.waitFor(() => bot(repo, pr.number).length === 2, { timeoutMs: 60_000 });
    expect(bot(repo, pr.number)[1]?.body).toContain("`import` is disabled on this Sluice server");
  }, 150_000);

  it("a drift check reads the projects from the custom config file too (its workflow runs, as on a PR)", async () => {
    h.sim.setPermission("acme/serverside-drift", "alice", "admin");
    const config = "version: 1\nprojects:\n  - name: core\n    dir: core\n    workflow: shared\n";
    const repo = await h.sim.createRepo({
      owner: "acme",
      name: "serverside-drift",
      files: { "infra.yaml": config, "core/main.tf": tfProject("core") },
    });
    const ran = async () => (await readFile(join(marks, "ran.log"), "utf8").catch(() => "")).split("\n").filter((l) => l === "core").length;
    const before = await ran();
    const host = h.sim.openIssue(repo, { title: "drift host", author: "alice" });
    const reply = await say(h, repo, host.number, "alice", "/drift", "**Drift check**");
    expect(reply).toContain("core");
    // The server workflow infra.yaml names ran: the project came from infra.yaml, not from autodiscovery.
    expect(await ran()).toBe(before + 1);
  }, 150_000);

  it("a repository's own workflow does not run where the server offers its workflows (Atlantis 0.49's allowed_workflows); allowed custom workflows do", async () => {
    h.sim.setPermission("acme/canary", "bob", "write");
    h.sim.setPermission("acme/custom-ok", "bob", "write");
    // The workflow a base branch brings: a canary that would show in the plan it makes.
    const config = [
      "version: 1",
      "projects:",
      "  - name: core",
      "    dir: core",
      "    workflow: canary",
      "workflows:",
      "  canary:",
      "    plan:",
      "      steps: [init, {plan: {extra_args: [-var=canary=own-workflow]}}]",
      "",
    ].join("\n");
    const tf = (n: number) =>
      `variable "canary" {\n  default = "server"\n}\nresource "terraform_data" "c${n}" {\n  input = var.canary\n}\n`;
    const planOf = async (name: string) => {
      const repo = await h.sim.createRepo({ owner: "acme", name, files: { "infra.yaml": config, "core/main.tf": tf(1) } });
      await h.sim.pushBranch(repo, { branch: "c", files: { "core/main.tf": tf(2) } });
      const pr = await h.sim.openPullRequest(repo, { head: "c", author: "alice" });
      await h.sim.comment(repo, pr.number, { user: "bob", body: "/plan" });
      await h.sim.waitFor(() => /·\s*(✅|❌|⛔)/.test(bot(repo, pr.number)[0]?.body ?? ""), { timeoutMs: 90_000 });
      return bot(repo, pr.number)[0]?.body ?? "";
    };
    const refused = await planOf("canary");
    expect(refused).toContain(
      "workflow `canary` is defined in the base branch's config, but this server lets this repository use only the server's workflows",
    );
    expect(refused).not.toContain("own-workflow");
    // Control: the same config where the server allows the repository custom workflows runs its own.
    const allowed = await planOf("custom-ok");
    expect(allowed).toContain("own-workflow");
  }, 150_000);
});
