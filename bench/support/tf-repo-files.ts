/**
 * Repository contents for the benchmarks. Every project plans offline: `terraform_data` needs no
 * provider download, and local modules need no registry.
 */

/** A root module with `resources` terraform_data resources whose inputs carry `tag`. */
export function tfData(name: string, resources: number, tag = "v1"): string {
  return Array.from(
    { length: resources },
    (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}-${tag}"\n}\n`,
  ).join("\n");
}

export const projectName = (i: number) => `p${String(i).padStart(3, "0")}`;

/** N projects `p000/main.tf` … with one resource each. */
export function flatRepo(n: number): Record<string, string> {
  const files: Record<string, string> = { "README.md": "# bench\n" };
  for (let i = 0; i < n; i++) files[`${projectName(i)}/main.tf`] = tfData(projectName(i), 1);
  return files;
}

/** The change a PR makes to each of the first `n` projects of flatRepo: two resources, new inputs. */
export function flatChange(n: number, tag: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (let i = 0; i < n; i++) files[`${projectName(i)}/main.tf`] = tfData(projectName(i), 2, tag);
  return files;
}

export const LARGE = { teams: 50, servicesPerTeam: 20, modules: 50, filesPerProject: 19, filesPerModule: 20 } as const;

/** The 10,000-project, 200,000-file shape of the mapping bench: ten times the teams and modules. */
export const HUGE = { teams: 500, modules: 500 } as const;

/** How many teams (20 services each) and shared modules a generated repo has. */
export interface RepoScale {
  teams: number;
  modules: number;
}

const LARGE_SCALE: RepoScale = { teams: LARGE.teams, modules: LARGE.modules };

/** Project dirs of the large repo, in the order largeRepo() lays them out. */
export function largeProjectDirs(scale: RepoScale = LARGE_SCALE): string[] {
  const dirs: string[] = [];
  for (let t = 0; t < scale.teams; t++) {
    for (let s = 0; s < LARGE.servicesPerTeam; s++) dirs.push(`teams/team-${pad2(t)}/svc-${pad2(s)}`);
  }
  return dirs;
}

const pad2 = (n: number) => String(n).padStart(2, "0");
const moduleOf = (index: number, modules: number) => `modules/m-${pad2(index % modules)}`;

function projectMain(dir: string, index: number, tag: string, modules: number = LARGE.modules): string {
  const name = dir.replaceAll("/", "_").replaceAll("-", "_");
  return `module "base" {\n  source = "../../../${moduleOf(index, modules)}"\n  name   = "${name}"\n}\n\n${tfData(name, 1, tag)}`;
}

/**
 * 1,000 projects (50 teams × 20 services, 19 files each: .tf, tfvars, templates, scripts, docs,
 * config) using 50 local modules (20 files each): 20,000 files in all. `HUGE`: 10,000 projects,
 * 500 modules, 200,000 files.
 */
export function largeRepo(scale: RepoScale = LARGE_SCALE): Record<string, string> {
  const files: Record<string, string> = {};
  for (let m = 0; m < scale.modules; m++) {
    const dir = `modules/m-${pad2(m)}`;
    files[`${dir}/main.tf`] =
      `variable "name" {\n  type = string\n}\n\nresource "terraform_data" "base" {\n  input = "\${var.name}-m${m}"\n}\n`;
    files[`${dir}/outputs.tf`] = `output "id" {\n  value = terraform_data.base.id\n}\n`;
    files[`${dir}/versions.tf`] = `terraform {\n  required_version = ">= 1.4"\n}\n`;
    files[`${dir}/README.md`] = `# module m-${m}\n`;
    for (let k = 0; k < LARGE.filesPerModule - 4; k++) files[`${dir}/examples/e${pad2(k)}/notes.md`] = `example ${k}\n`;
  }
  largeProjectDirs(scale).forEach((dir, i) => {
    const p: Record<string, string> = {
      "main.tf": projectMain(dir, i, "v1", scale.modules),
      "variables.tf": `variable "env" {\n  type    = string\n  default = "prod"\n}\n`,
      "outputs.tf": `output "base" {\n  value = module.base.id\n}\n`,
      "versions.tf": `terraform {\n  required_version = ">= 1.4"\n}\n`,
      "terraform.tfvars": `env = "prod"\n`,
      "README.md": `# ${dir}\n`,
      CODEOWNERS: "* @acme/platform\n",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell template file, `${name}` is its own placeholder
      "templates/user-data.tpl": "#!/bin/sh\necho ${name}\n",
      "templates/policy.json.tpl": '{"Version": "2012-10-17"}\n',
      "scripts/bootstrap.sh": "#!/bin/sh\nexit 0\n",
      "scripts/check.sh": "#!/bin/sh\nexit 0\n",
      "docs/runbook.md": "# runbook\n",
      "docs/diagram.txt": "[a] -> [b]\n",
      "config/app.yaml": "replicas: 2\n",
      "config/alerts.yaml": "alerts: []\n",
      "config/dashboards.json": "{}\n",
      "tests/smoke.sh": "#!/bin/sh\nexit 0\n",
      "tests/fixtures/a.json": "{}\n",
      "tests/fixtures/b.json": "[]\n",
    };
    for (const [file, content] of Object.entries(p)) files[`${dir}/${file}`] = content;
  });
  return files;
}

/** A PR on the large repo touching `count` projects spread over the teams: main.tf gets a new input. */
export function largeChange(count: number, tag: string): { files: Record<string, string>; dirs: string[] } {
  const all = largeProjectDirs();
  const step = Math.floor(all.length / count);
  const files: Record<string, string> = {};
  const dirs: string[] = [];
  for (let k = 0; k < count; k++) {
    const index = k * step;
    const dir = all[index] as string;
    dirs.push(dir);
    files[`${dir}/main.tf`] = projectMain(dir, index, tag);
  }
  return { files, dirs };
}
