import type { AtlantisRepoEntry } from "./atlantis-repos-schema.js";
import { type RepoLevelKey, ruleMatches } from "./repo-entries.js";
import type { AtlantisRepos } from "./read-atlantis-repos.js";

type Key = keyof AtlantisRepoEntry;

/** The Sluice setting each Atlantis entry key decides (the others are named at start, not applied). */
export const SLUICE_KEY_OF: Partial<Record<Key, RepoLevelKey>> = {
  apply_requirements: "apply_requirements",
  workflow: "default_workflow",
  allowed_workflows: "allowed_workflows",
  allowed_overrides: "allowed_overrides",
  allow_custom_workflows: "allow_custom_workflows",
  policy_check: "policy_check",
  pre_workflow_hooks: "pre_workflow_hooks",
  post_workflow_hooks: "post_workflow_hooks",
};

/**
 * The Sluice settings Atlantis' `repos.yaml` gives one repository, with Atlantis' meaning: each
 * key from the last entry whose id matches `HOST/owner/name`, else Atlantis' own default; an
 * unset (or empty) `allowed_workflows` lets the repository pick any server workflow once
 * `allowed_overrides` has `workflow`. Keys the Sluice file sets (`taken`) are left to it.
 */
export function atlantisSettingsFor(
  atlantis: AtlantisRepos,
  fullName: string,
  serverWorkflows: readonly string[],
  taken: ReadonlySet<string>,
): { values: Partial<Record<RepoLevelKey, unknown>>; sources: Partial<Record<RepoLevelKey, string>> } {
  const decided: Partial<Record<Key, { value: unknown; from: string }>> = {};
  for (const e of atlantis.entries) {
    if (!ruleMatches({ id: e.id, host: atlantis.host }, fullName)) continue;
    for (const [key, value] of Object.entries(e.raw) as [Key, unknown][]) {
      if (value !== undefined) decided[key] = { value, from: `${e.origin} (id: ${e.id})` };
    }
  }
  const fallback = `Atlantis' default (${atlantis.source})`;
  const get = <T>(key: Key, otherwise: T): { value: T; from: string } =>
    (decided[key] as { value: T; from: string } | undefined) ?? { value: otherwise, from: fallback };

  const requirements = get<string[]>("apply_requirements", []);
  const workflow = get<string | undefined>("workflow", undefined);
  const overrides = get<string[]>("allowed_overrides", []);
  const allowed = get<string[]>("allowed_workflows", []);
  const custom = get<boolean>("allow_custom_workflows", false);
  const policyCheck = get<boolean>("policy_check", atlantis.policyChecks);
  const pre = get<unknown[]>("pre_workflow_hooks", []);
  const post = get<unknown[]>("post_workflow_hooks", []);
  const picks = overrides.value.includes("workflow");
  const offered = allowed.value.length ? allowed.value.filter((w) => w !== "default") : [...serverWorkflows];
  const all: [RepoLevelKey, unknown, string][] = [
    // Sluice's policy checks always stop an apply until they pass: `policies_passed` is that.
    ["apply_requirements", requirements.value.filter((r) => r !== "policies_passed"), requirements.from],
    // `null`: Sluice's built-in workflow, also over a default the Sluice file does not set.
    ["default_workflow", workflow.value === undefined || workflow.value === "default" ? null : workflow.value, workflow.from],
    ["allowed_overrides", overrides.value.filter((o) => o === "apply_requirements" || o === "workflow"), overrides.from],
    [
      "allowed_workflows",
      // Sluice binds a repository to the server's workflows by a list that is not empty; Atlantis'
      // `default` (its built-in one) keeps it bound where the server offers no other, else a
      // repository without allow_custom_workflows could run workflows of its own.
      !picks ? [] : offered.length ? offered : ["default"],
      allowed.from === fallback ? overrides.from : allowed.from,
    ],
    ["allow_custom_workflows", custom.value ? ["**"] : [], custom.from],
    ["policy_check", policyCheck.value, policyCheck.from],
    ["pre_workflow_hooks", pre.value, pre.from],
    ["post_workflow_hooks", post.value, post.from],
  ];
  const values: Partial<Record<RepoLevelKey, unknown>> = {};
  const sources: Partial<Record<RepoLevelKey, string>> = {};
  for (const [key, value, from] of all) {
    if (taken.has(key)) continue;
    values[key] = value;
    sources[key] = from;
  }
  return { values, sources };
}
