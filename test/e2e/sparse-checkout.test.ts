import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installHelm } from "../../scripts/install-helm.js";
import { type Harness, startHarness, tfProject } from "../support/harness.js";
import { nextSecond } from "./trust-holes-support.js";

// Issue #17 part 3: a PR's worktree holds only what its plans read (the root's files, the
// affected project dirs and the local module dirs they use), and every file when that set cannot
// be known for sure.

type Repo = Parameters<Harness["sim"]["checkRuns"]>[0];

let h: Harness;
beforeAll(async () => {
  await installHelm();
  h = await startHarness();
  for (const u of ["alice", "bob"]) h.sim.addUser(u);
}, 180_000);
afterAll(async () => {
  await h?.stop();
});

const moduleUsing = (name: string, source: string) =>
  `module "${name}" {\n  source = "${source}"\n  name   = "${name}"\n}\n\n${tfProject(name)}`;
const MODULE = (extra = "") => `variable "name" {\n  type = string\n}\n\nresource "terraform_data" "m" {\n  input = var.name\n}\n${extra}`;

/** A monorepo: three services using shared modules (net uses dns), one unused module, 12 other projects. */
function monorepo(): Record<string, string> {
  const files: Record<string, string> = {
    "README.md": "# infra\n",
    "modules/net/main.tf": MODULE(`\nmodule "dns" {\n  source = "../dns"\n  name   = var.name\n}\n`),
    "modules/net/README.md": "# net\n",
    "modules/dns/main.tf": MODULE(),
    "modules/unused/main.tf": MODULE(),
    "teams/a/svc1/main.tf": moduleUsing("svc1", "../../../modules/net"),
    "teams/a/svc1/docs/notes.md": "notes\n",
    "teams/a/svc2/main.tf": moduleUsing("svc2", "../../../modules/net"),
    "teams/b/svc3/main.tf": tfProject("svc3"),
    "shared/greeting.txt": "hello\n",
  };
  for (let i = 0; i < 12; i++) files[`other/p${i}/main.tf`] = tfProject(`p${i}`);
  return files;
}

/** Every file of a PR's worktree at `sha`, relative to it, without git's own. */
function filesOnDisk(repo: Repo, pr: number, sha: string): string[] {
  const root = join(h.app.dataDir, "worktrees", `acme__${repo.name}`, String(pr), sha);
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.name === ".git") continue;
      if (e.isDirectory()) walk(join(dir, e.name));
      else found.push(relative(root, join(dir, e.name)));
    }
  };
  walk(root);
  return found.sort();
}

let n = 0;
async function openPr(files: Record<string, string>, change: Record<string, string>) {
  const repo = await h.sim.createRepo({ owner: "acme", name: `sparse-${++n}`, files });
  for (const u of ["alice", "bob"]) h.sim.setPermission(repo, u, "write");
  await h.sim.pushBranch(repo, { branch: "c", files: change });
  const pr = await h.sim.openPullRequest(repo, { head: "c", author: "bob" });
  return { repo, pr };
}

async function completed(repo: Repo, sha: string, name: string) {
  const done = () => h.sim.checkRuns(repo, sha).find((c) => c.name === name && c.status === "completed");
  await h.sim.waitFor(() => done() !== undefined, { timeoutMs: 90_000, message: `no completed ${name} on ${sha.slice(0, 7)}` });
  return done() as NonNullable<ReturnType<typeof done>>;
}

const botText = (repo: Repo, pr: number) =>
  h.sim
    .comments(repo, pr)
    .filter((c) => c.user === "sluice[bot]")
    .map((c) => c.body)
    .join("\n");

describe("sparse checkout", () => {
  it("plans only the affected project; its worktree holds the root's files, its dir and the modules it uses; /apply works on it", async () => {
    const { repo, pr } = await openPr(monorepo(), {
      "teams/a/svc1/main.tf": moduleUsing("svc1", "../../../modules/net").replace("svc1-0", "svc1-v2"),
    });
    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check.conclusion, JSON.stringify(check.output)).toBe("success");
    expect(check.output.title).toContain("1 project");
    expect(botText(repo, pr.number)).toContain("module.svc1.module.dns.terraform_data.m");
    expect(filesOnDisk(repo, pr.number, pr.headSha)).toEqual([
      "README.md",
      "modules/dns/main.tf",
      "modules/net/README.md",
      "modules/net/main.tf",
      "teams/a/svc1/docs/notes.md",
      "teams/a/svc1/main.tf",
    ]);

    // Approvals count only when given after the plan.
    await nextSecond();
    await h.sim.approve(repo, pr.number, "alice");
    await h.sim.comment(repo, pr.number, { user: "bob", body: "/apply" });
    const applied = await completed(repo, pr.headSha, "sluice/apply");
    expect(applied.conclusion, JSON.stringify(applied.output)).toBe("success");
  }, 120_000);

  it("a change to a module dir re-plans every project using it, through modules using modules", async () => {
    const { repo, pr } = await openPr(monorepo(), { "modules/dns/main.tf": MODULE('\noutput "id" {\n  value = terraform_data.m.id\n}\n') });
    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check.conclusion, JSON.stringify(check.output)).toBe("success");
    expect(check.output.title).toContain("2 projects");
    const body = botText(repo, pr.number);
    expect(body).toContain("teams/a/svc1");
    expect(body).toContain("teams/a/svc2");
    const onDisk = filesOnDisk(repo, pr.number, pr.headSha);
    expect(onDisk).toContain("teams/a/svc2/main.tf");
    expect(onDisk.filter((f) => f.startsWith("teams/b/") || f.startsWith("other/") || f.startsWith("modules/unused/"))).toEqual([]);
  }, 120_000);

  it("a module's subdirs are written only when its code may read a file: its examples/ stay out, its templates/ come", async () => {
    const files = {
      ...monorepo(),
      "modules/net/examples/basic/main.tf": moduleUsing("ex", "../.."),
      "modules/net/examples/basic/README.md": "# example\n",
      "modules/tpl/main.tf": MODULE(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform's own interpolation
        '\noutput "greeting" {\n  value = templatefile("${path.module}/templates/hello.tpl", { name = var.name })\n}\n',
      ),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a template's own interpolation
      "modules/tpl/templates/hello.tpl": "hello ${name}\n",
      "modules/tpl/examples/basic/README.md": "# example\n",
    };
    const change = {
      "teams/a/svc1/main.tf": `${moduleUsing("svc1", "../../../modules/net")}\nmodule "tpl" {\n  source = "../../../modules/tpl"\n  name   = "v2"\n}\n`,
    };
    const { repo, pr } = await openPr(files, change);
    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check.conclusion, JSON.stringify(check.output)).toBe("success");
    expect(botText(repo, pr.number)).toContain("module.tpl.terraform_data.m");
    const onDisk = filesOnDisk(repo, pr.number, pr.headSha);
    // The module that reads a file gets all of its dir, examples too: what it reads is not known exactly.
    expect(onDisk).toEqual(expect.arrayContaining(["modules/tpl/templates/hello.tpl", "modules/tpl/examples/basic/README.md"]));
    expect(onDisk).toEqual(expect.arrayContaining(["modules/net/main.tf", "modules/net/README.md", "modules/dns/main.tf"]));
    expect(onDisk.filter((f) => f.startsWith("modules/net/examples/"))).toEqual([]);
  }, 120_000);

  it("a project reading a file outside its dir (path.module + ../) gets every file, and plans", async () => {
    const reads = `${tfProject("svc3")}\noutput "greeting" {\n  value = file("\${path.module}/../../../shared/greeting.txt")\n}\n`;
    const { repo, pr } = await openPr(monorepo(), { "teams/b/svc3/main.tf": reads });
    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check.conclusion, JSON.stringify(check.output)).toBe("success");
    expect(filesOnDisk(repo, pr.number, pr.headSha)).toContain("shared/greeting.txt");
    expect(filesOnDisk(repo, pr.number, pr.headSha)).toContain("other/p0/main.tf");
  }, 120_000);

  it('a file provisioner\'s `source = "../…"` is no module source: every file is written', async () => {
    const provisioner = `${tfProject("svc3")}
resource "terraform_data" "upload" {
  provisioner "file" {
    source      = "../../../shared/greeting.txt"
    destination = "/tmp/greeting.txt"
    connection {
      host = "127.0.0.1"
    }
  }
}
`;
    const { repo, pr } = await openPr(monorepo(), { "teams/b/svc3/main.tf": provisioner });
    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check.conclusion, JSON.stringify(check.output)).toBe("success");
    expect(filesOnDisk(repo, pr.number, pr.headSha)).toContain("shared/greeting.txt");
  }, 120_000);

  it("`sparse_checkout: false` in the base branch's .sluice.yaml: every file is written", async () => {
    const { repo, pr } = await openPr(
      { ...monorepo(), ".sluice.yaml": "version: 1\nsparse_checkout: false\n" },
      { "teams/b/svc3/main.tf": tfProject("svc3", 2) },
    );
    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check.conclusion, JSON.stringify(check.output)).toBe("success");
    expect(filesOnDisk(repo, pr.number, pr.headSha)).toContain("other/p0/main.tf");
  }, 120_000);

  it("a helm chart with a file:// dependency and a kustomize overlay of ../base still plan", async () => {
    const files = {
      ...monorepo(),
      "charts/app/Chart.yaml":
        "apiVersion: v2\nname: app\nversion: 0.1.0\ndependencies:\n  - name: common\n    version: 0.1.0\n    repository: file://../common\n",
      "charts/app/values.yaml": "replicas: 1\n",
      "charts/app/templates/cm.yaml":
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  replicas: {{ .Values.replicas | quote }}\n",
      "charts/common/Chart.yaml": "apiVersion: v2\nname: common\nversion: 0.1.0\n",
      "charts/common/templates/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: common\ndata:\n  a: b\n",
      "k/base/kustomization.yaml": "resources:\n  - cm.yaml\n",
      "k/base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\ndata:\n  level: one\n",
      "k/overlays/prod/kustomization.yaml": "resources:\n  - ../../base\nnamePrefix: prod-\n",
    };
    const { repo, pr } = await openPr(files, {
      "charts/app/values.yaml": "replicas: 2\n",
      "k/base/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base\ndata:\n  level: two\n",
    });
    const check = await completed(repo, pr.headSha, "sluice/plan");
    expect(check.conclusion, JSON.stringify(check.output)).toBe("success");
    const body = botText(repo, pr.number);
    expect(body).toContain("`charts/app`");
    expect(body).toContain("`k/overlays/prod`");
    expect(body).toMatch(/level: two/);
  }, 150_000);
});
