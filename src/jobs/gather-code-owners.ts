import type { RepoRef } from "../model/repo.js";
import { CODEOWNERS_PATHS, type CodeOwnerFacts, dependencyDirs, ownersOf, parseCodeOwners } from "../policy/code-owners.js";
import { discoverTerraformProjects } from "../../runners/terraform/discover-terraform-projects.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import { CheckoutFileError } from "../util/read-checkout-file.js";
import type { Checkout } from "../workspace/git-workspace.js";
import type { JobDeps } from "./job-deps.js";
import { readRepoTreeAt } from "./read-repo-tree.js";

const under = (dir: string, file: string) => dir === "." || file.startsWith(`${dir}/`);

/**
 * The facts `code_owners` decides on, per project dir: the base branch's CODEOWNERS (trusted: a
 * PR cannot make itself its own owner), the head's files each plan depends on (the project's dir
 * and the local modules it uses, transitively; a nested project's files are its own), and which
 * approvers are members of the teams that own them (GitHub counts child teams' members).
 */
export async function gatherCodeOwners(
  deps: Pick<JobDeps, "workspace">,
  vcs: Pick<VcsClient, "teamMember">,
  repo: RepoRef,
  head: Checkout,
  trustedSha: string,
  projectDirs: readonly string[],
  approvers: readonly string[],
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
  const tree = await readRepoTreeAt(deps.workspace, repo, head.headSha, head.files);
  const discovered = discoverTerraformProjects(tree);
  const tfDirs = new Set([...discovered.projects.map((p) => p.dir), ...discovered.modules.keys()]);

  const byDir = new Map<string, { files: string[] }>();
  const teams = new Set<string>();
  for (const dir of new Set(projectDirs)) {
    const dirs = dependencyDirs(dir, discovered.modules);
    const known = new Set([...tfDirs, ...dirs]);
    // A file belongs to the nearest Terraform dir above it: a nested project's files are not this plan's.
    const nearest = (file: string) => [...known].filter((d) => under(d, file)).sort((a, b) => b.length - a.length)[0];
    const files = head.files.filter((f) => {
      const owner = nearest(f);
      return owner !== undefined && dirs.includes(owner);
    });
    byDir.set(dir, { files });
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
