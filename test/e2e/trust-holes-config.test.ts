import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { type Harness, startHarness, statefulProject, stateResources, tfProject } from "../support/harness.js";
import { bot, completed, nextSecond, say } from "./trust-holes-support.js";

// Issue #10, items 1, 4 and 7 (and helm `secret_set` from "Also trusted"): what a PR's own files
// may not decide. Each test fails on the code before the fix and says so in its assertions.

const TOKEN = "tr0ub4dor-deploy-token-8c1f";
const KUBE_TOKEN = "k8s-admin-token-7f3c9a1be2d44c0e";

let h: Harness;
let stateDir: string;
let kubeDir: string;
let kubeconfig: string;

beforeAll(async () => {
  await installHelm();
  kubeDir = await mkdtemp(join(tmpdir(), "sluice-kube-"));
  kubeconfig = join(kubeDir, "acme.kubeconfig");
  await writeFile(kubeconfig, `apiVersion: v1\nkind: Config\nusers:\n- name: admin\n  user:\n    token: ${KUBE_TOKEN}\n`);
  h = await startHarness({
    serverConfig: [
      `kubeconfigs: { "acme/kube-*": ${kubeconfig} }`,
      "apply_requirements: [approved]",
      "allowed_overrides: [apply_requirements]",
      "secrets:",
      "  deploy_token: env:TRUST_HOLES_DEPLOY_TOKEN",
      "",
    ].join("\n"),
    env: { TRUST_HOLES_DEPLOY_TOKEN: TOKEN },
  });
  // Inside the harness's sandbox path: tool runs may write their state only there.
  stateDir = await mkdtemp(join(h.stateDir, "sluice-trust-config-"));
}, 180_000);
afterAll(async () => {
  await h?.stop();
  await rm(stateDir, { recursive: true, force: true });
  await rm(kubeDir, { recursive: true, force: true });
});

function grant(name: string) {
  for (const [u, role] of [
    ["alice", "write"],
    ["bob", "write"],
    ["carol", "write"],
    ["rita", "read"],
  ] as const) {
    h.sim.setPermission(`acme/${name}`, u, role);
  }
}

describe("issue #10.1: trusted settings attach to the base branch's project (dir + workspace), never to a name the PR picks", () => {
  it("a PR renaming dir prod to the weak project's name does not borrow its empty apply_requirements", async () => {
    const name = "borrowed-requirements";
    grant(name);
    const prodState = join(stateDir, `${name}-prod.tfstate`);
    const base = [
      "version: 1",
      "projects:",
      "  - name: weak",
      "    dir: app",
      "    apply_requirements: []",
      "  - name: prod",
      "    dir: prod",
      "    apply_requirements: [approved]",
      "",
    ].join("\n");
    const renamed = ["version: 1", "projects:", "  - name: app-renamed", "    dir: app", "  - name: weak", "    dir: prod", ""].join("\n");
    const repo = await h.sim.createRepo({
      owner: "acme",
      name,
      files: { ".sluice.yaml": base, "app/main.tf": tfProject("app"), "prod/main.tf": statefulProject("prod", prodState, 0) },
    });
    await h.sim.pushBranch(repo, {
      branch: "rename",
      files: { ".sluice.yaml": renamed, "prod/main.tf": statefulProject("prod", prodState, 1) },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "rename", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");

    // No approval at all: prod's own requirement (approved) must hold, whatever the PR calls it.
    const reply = await say(h, repo, pr.number, "bob", "/apply -d prod", "needs 1 more approval");
    expect(await stateResources(prodState), reply).toEqual([]);
    expect(reply).toContain("needs 1 more approval");
  });

  it("helm secret_set comes from the base branch only: a PR naming a server secret in its own config gets no secret", async () => {
    const name = "borrowed-secret";
    grant(name);
    const chart = {
      "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
      "charts/web/values.yaml": "token: none\n",
      // `upper` turns the value into text the redactor does not know: only not receiving it is safe.
      "charts/web/templates/cm.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  leak: {{ .Values.token | upper | quote }}\n",
    };
    const base = "version: 1\nprojects:\n  - name: web\n    dir: charts/web\n    runner: helm\n";
    const withSecret = `${base}    helm:\n      secret_set:\n        token: deploy_token\n`;
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { ".sluice.yaml": base, ...chart } });
    await h.sim.pushBranch(repo, {
      branch: "steal",
      files: {
        ".sluice.yaml": withSecret,
        "charts/web/templates/cm.yaml": `${chart["charts/web/templates/cm.yaml"]}  other: "x"\n`,
      },
    });
    const pr = await h.sim.openPullRequest(repo, { head: "steal", author: "alice" });
    const check = await completed(h, repo, pr.headSha, "sluice/plan");
    const bodies = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(bodies).toContain("`charts/web`");
    // Rendered with the values default (or refused): either way the secret never reaches the chart.
    if (check.conclusion === "success") expect(bodies).toContain("ConfigMap");
    expect(bodies).not.toContain(TOKEN.toUpperCase());
    expect(bodies).not.toContain(TOKEN);
    const logs = h.app.output();
    expect(logs).not.toContain(TOKEN.toUpperCase());
  });
});

describe("issue #10.4: a project's identity is its resolved path; a symlinked project dir is refused", () => {
  it("PR #2 cannot plan or apply app's root module through `alias -> app` while PR #1 holds app's lock", async () => {
    const name = "symlink-lock";
    grant(name);
    const appState = join(stateDir, `${name}-app.tfstate`);
    // main has one resource not yet applied: applying app's root module from any PR would create it.
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "app/main.tf": statefulProject("app", appState, 1) } });
    await h.sim.pushBranch(repo, { branch: "one", files: { "app/main.tf": statefulProject("app", appState, 2) } });
    const first = await h.sim.openPullRequest(repo, { head: "one", author: "alice", title: "grow app" });
    expect((await completed(h, repo, first.headSha, "sluice/plan")).conclusion).toBe("success");

    const config = "version: 1\nprojects:\n  - name: app\n    dir: app\n  - name: alias\n    dir: alias\n";
    await h.sim.pushBranch(repo, { branch: "two", from: "main", files: { ".sluice.yaml": config }, symlinks: { alias: "app" } });
    const second = await h.sim.openPullRequest(repo, { head: "two", author: "carol", title: "alias" });
    await completed(h, repo, second.headSha, "sluice/plan");

    const plan = await say(h, repo, second.number, "bob", "/plan -p alias", "is a symlink");
    await nextSecond();
    await h.sim.approve(repo, second.number, "bob");
    await say(h, repo, second.number, "bob", "/apply");
    expect(await stateResources(appState), plan).toEqual([]);
    expect(plan).toContain("is a symlink");

    // The lock holder is unaffected: it applies its own plan.
    await nextSecond();
    await h.sim.approve(repo, first.number, "bob");
    const applied = await say(h, repo, first.number, "bob", "/apply");
    expect(applied).toMatch(/✅ applied/);
    expect(await stateResources(appState)).toEqual(["terraform_data.app_0", "terraform_data.app_1"]);
  });
});

describe("issue #10.7: nothing of a fork is fetched unless allow_fork_prs allows it", () => {
  it("`atlantis plan` on a fork PR is refused without the fork's head ever being served", async () => {
    const name = "fork-atlantis";
    grant(name);
    const atlantis = "version: 3\nprojects:\n  - name: app\n    dir: app\n";
    const repo = await h.sim.createRepo({ owner: "acme", name, files: { "atlantis.yaml": atlantis, "app/main.tf": tfProject("app") } });
    await h.sim.pushBranch(repo, { branch: "fork-change", files: { "app/main.tf": tfProject("app", 3) } });
    const pr = await h.sim.openPullRequest(repo, { head: "fork-change", author: "mallory", headRepo: "mallory/infra" });
    await h.sim.waitFor(() => /comes from a fork/.test(bot(h, repo, pr.number)[0]?.body ?? ""), {
      message: "no fork refusal for the autoplan",
      timeoutMs: 60_000,
    });
    const reply = await say(h, repo, pr.number, "bob", "atlantis plan", "comes from a fork");
    expect(reply).toContain("comes from a fork");
    const served = h.sim.gitWants.filter((w) => w.repo === repo.fullName && w.wants.includes(pr.headSha));
    expect(served, "the fork's head commit was fetched").toEqual([]);
    for (const c of bot(h, repo, pr.number)) expect(c.body).not.toContain("terraform_data.app_");
  });
});

describe("the repo's kubeconfig (what Helm and Kustomize apply with) reaches their runs only", () => {
  it("a PR's Terraform plan that reads it with file() gets nothing: it is not in the sandbox", async () => {
    // The control, a Helm run getting it mounted and its token redacted: test/unit/project-runner.test.ts.
    grant("kube-leak");
    const repo = await h.sim.createRepo({ owner: "acme", name: "kube-leak", files: { "README.md": "x\n" } });
    const leak = `output "k" {\n  value = try(file("${kubeconfig}"), "unreadable")\n}\n\nresource "terraform_data" "x" {\n  input = "a"\n}\n`;
    await h.sim.pushBranch(repo, { branch: "steal", files: { "steal/main.tf": leak } });
    const pr = await h.sim.openPullRequest(repo, { head: "steal", author: "alice" });
    await completed(h, repo, pr.headSha, "sluice/plan");
    const text = bot(h, repo, pr.number)
      .map((c) => c.body)
      .join("\n");
    expect(text).toContain("unreadable");
    expect(text).not.toContain(KUBE_TOKEN);
  });
});
