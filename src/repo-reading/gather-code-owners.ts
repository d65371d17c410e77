import type { RepoRef } from "../model/repo.js";
import { CODEOWNERS_PATHS, type CodeOwnerFacts, dependencyDirs, ownersOf, parseCodeOwners } from "../policy/code-owners.js";
import { discoverTerraformProjects, terraformDirs } from "../../runners/terraform/discover-terraform-projects.js";
import { discoverTerragruntUnits, type UnitFacts } from "../../runners/terragrunt/discover-terragrunt-units.js";
import { projectFiles } from "../projects/project-files.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { CheckoutFileError } from "../util/read-checkout-file.js";
import type { Checkout } from "../workspace/workspace.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { readRepoTreeAt } from "./read-repo-tree.js";
import { changedReadsOf } from "./changed-reads.js";

/**
 * The facts `code_owners` decides on, per project dir: the base branch's CODEOWNERS (trusted: a
 * PR cannot make itself its own owner), the files each plan depends on (the head's, and the trusted
 * commit's the head no longer has, in the project's dir
 * and the local modules it uses, transitively, as the HCL text names them and as Terraform loaded
 * them: `loaded`, per project dir, from the module manifest of its plan run, which only adds; a
 * nested project's files are its own, nested on the trusted commit's tree or the head's; a
 * Terragrunt unit's: its source modules and the files its configuration includes and reads; and the
 * changed files its code reads wherever they live), and
 * which approvers are members of the teams that own them (GitHub counts child teams' members).
 */
export async function gatherCodeOwners(
  deps: Pick<JobDeps, "workspace">,
  vcs: Pick<VcsClient, "teamMember">,
  repo: RepoRef,
  head: Checkout,
  trustedSha: string,
  projectDirs: readonly string[],
  approvers: readonly string[],
  loaded: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<Map<string, CodeOwnerFacts>> {
  let source: string | undefined;
  let text = "";
  for (const path of CODEOWNERS_PATHS) {
    // Like GitHub: a dir (or submodule) with the name is no CODEOWNERS file, the next place is looked at.
    const found = await deps.workspace.readFileAt(repo, trustedSha, path).catch((e: unknown) => {
      if (e instanceof CheckoutFileError && e.problem === "not-a-file") return undefined;
      throw e;
    });
    if (found !== undefined) {
      source = path;
      text = found;
      break;
    }
  }
  const rules = parseCodeOwners(text);
  const [tree, trustedFiles] = await Promise.all([
    readRepoTreeAt(deps.workspace, repo, head.headSha, head.files),
    deps.workspace.filesAt(repo, trustedSha),
  ]);
  const discovered = discoverTerraformProjects(tree);
  const headView = new Set([...discovered.projects.map((p) => p.dir), ...discovered.modules.keys()]);
  const trustedView = terraformDirs(trustedFiles);

  // A Terragrunt unit runs its `terraform.source` module with the files its configuration
  // includes and reads: those are its files, as a Terraform project's modules are its.
  const units: ReadonlyMap<string, UnitFacts> = tree.terragrunt ? discoverTerragruntUnits(tree).units : new Map();
  const present = new Set(head.files);
  // A file of the plan's dirs that the head does not have (the PR deleted it, or the base branch
  // gained it since) is changed by the plan all the same: what it declared is gone from what is
  // applied. Its owners decide too, as GitHub asks a deleted file's owners.
  const gone = trustedFiles.filter((f) => !present.has(f));
  const judged = gone.length ? [...head.files, ...gone] : head.files;

  // A changed file the code reads outside its dirs (`file("../shared/x.json")`) is the plan's too.
  const readsChanged = changedReadsOf(tree, discovered, head.changedFiles ?? [], projectDirs);
  const byDir = new Map<string, { files: string[] }>();
  const teams = new Set<string>();
  for (const dir of new Set(projectDirs)) {
    // Modules Terraform loaded count with the ones the text names (and the modules those use).
    const users = new Map(discovered.modules);
    const unit = units.get(dir);
    for (const m of [...(loaded.get(dir) ?? []), ...(unit?.sources ?? [])])
      if (m !== dir) users.set(m, new Set([...(users.get(m) ?? []), dir]));
    const dirs = dependencyDirs(dir, users);
    const reads = [...(unit?.reads.keys() ?? [])].filter((f) => present.has(f));
    byDir.set(dir, {
      files: [...new Set([...projectFiles(judged, dirs, [trustedView, headView]), ...reads, ...(readsChanged.get(dir) ?? [])])],
    });
  }
  // Only the teams that own one of these files are asked about, each for the approvers only.
  for (const { files } of byDir.values()) {
    for (const file of files)
      for (const o of ownersOf(rules, file) ?? []) if (o.startsWith("@") && o.includes("/")) teams.add(o.slice(1).toLowerCase());
  }
  const teamMembers = new Map<string, Set<string>>();
  for (const team of teams) {
    const [org = "", slug = ""] = team.split("/");
    const members = new Set<string>();
    for (const user of approvers) if (await vcs.teamMember(org, slug, user)) members.add(user.toLowerCase());
    teamMembers.set(team, members);
  }
  return new Map([...byDir].map(([dir, { files }]) => [dir, { source, rules, files, teamMembers }]));
}

/** Per project dir, the module dirs Terraform loaded for its plans (several workspaces: all of them). */
export function loadedModules(plans: readonly { dir: string; summary: { moduleDirs?: readonly string[] } }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const p of plans) out.set(p.dir, [...new Set([...(out.get(p.dir) ?? []), ...(p.summary.moduleDirs ?? [])])]);
  return out;
}
