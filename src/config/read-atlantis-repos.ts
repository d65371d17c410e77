import { dirname, isAbsolute, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { z } from "zod";
import type { Workflow } from "../model/repo-config.js";
import { normalizeAtlantisWorkflows } from "./repo/atlantis-workflows.js";
import type { AtlantisConfigInput } from "./repo/atlantis-schema.js";
import { createContext } from "./repo/normalize-context.js";
import { createLocator } from "./repo/yaml-locator.js";
import { type AtlantisRepoEntry, atlantisReposSchema } from "./atlantis-repos-schema.js";
import { regexOf } from "./repo-entries.js";
import { ConfigError, type ServerConfig } from "./server-config.js";
import { policiesSchema, policyCheckStage } from "./server-config-parts.js";
import { errorMessage } from "../util/errors.js";

/** An Atlantis `repos.yaml`, read with Atlantis' meaning: what the server config takes from it. */
export interface AtlantisRepos {
  /** The file's path, for messages and `sluice config explain`. */
  source: string;
  /** The GitHub host ids are written with (`github.com/owner/name`). */
  host: string;
  entries: { id: string; origin: string; raw: AtlantisRepoEntry }[];
  workflows: Record<string, Workflow>;
  /** Present when the file has `policies` and ATLANTIS_ENABLE_POLICY_CHECKS is true. */
  policies?: ServerConfig["policies"];
  policyChecks: boolean;
  /** Each key Sluice read and does not do, with its line: named at start (log, /readyz, console). */
  unsupported: string[];
}

type Issue = z.core.$ZodIssue;

export function readAtlantisRepos(text: string, opts: { source: string; host: string; policyChecks: boolean }): AtlantisRepos {
  const { source } = opts;
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) throw new ConfigError(`${source}: invalid YAML: ${doc.errors[0]?.message.split("\n")[0]}`);
  const lineOfOffset = (offset: number) => text.slice(0, offset).split("\n").length;
  const locator = createLocator(doc, lineOfOffset);
  const describe = (issues: Issue[]) =>
    issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message} (line ${locator.line(i.path as (string | number)[])})`);
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError(`${source}: invalid YAML: ${errorMessage(e)}`);
  }
  const parsed = atlantisReposSchema.safeParse(raw ?? {});
  if (!parsed.success) throw new ConfigError(`${source}:\n${describe(parsed.error.issues).join("\n")}`);
  const file = parsed.data;
  const unsupported: string[] = [];
  const at = (path: (string | number)[]) => `\`${path.join(".")}\` (line ${locator.line(path)})`;
  const note = (path: (string | number)[], why: string) => unsupported.push(`${source}: ${at(path)} is not supported by Sluice: ${why}`);
  const errors: string[] = [];

  for (const key of ["metrics", "team_authz", "external_stores"] as const) {
    if (file[key] !== undefined && file[key] !== null) note([key], "it was read and is ignored");
  }

  // Workflows: plan and apply as atlantis.yaml's (the same rules), policy_check as Sluice's server workflows.
  const ctx = createContext(locator);
  const stages: Record<string, Record<string, unknown> | null> = {};
  const policyStages: Record<string, z.output<typeof policyCheckStage>> = {};
  for (const [name, w] of Object.entries(file.workflows ?? {})) {
    const { policy_check, ...rest } = w ?? {};
    stages[name] = w === null ? null : rest;
    if (policy_check === undefined || policy_check === null) continue;
    const checked = policyCheckStage.safeParse(policy_check);
    if (checked.success) policyStages[name] = checked.data;
    else errors.push(...describe(checked.error.issues.map((i) => ({ ...i, path: ["workflows", name, "policy_check", ...i.path] }))));
  }
  const workflows = normalizeAtlantisWorkflows(stages as AtlantisConfigInput["workflows"], ctx);
  for (const [name, stage] of Object.entries(policyStages)) {
    const step = stage.steps.find((s) => typeof s === "object");
    const workflow = workflows[name];
    if (workflow) workflow.policyCheck = { extraArgs: typeof step === "object" ? (step.policy_check.extra_args ?? []) : [] };
  }
  errors.push(...ctx.errors());
  unsupported.push(...ctx.warnings().map((w) => `${source}: ${w}`));

  const entries = (file.repos ?? []).map((raw, i) => {
    const path = ["repos", i];
    if (regexOf(raw.id) === null)
      errors.push(`repos.${i}.id: ${raw.id} is not a regular expression that compiles (line ${locator.line([...path, "id"])})`);
    for (const key of ["workflow", ...(raw.allowed_workflows ?? []).map(() => "allowed_workflows")] as const) {
      const names = key === "workflow" ? [raw.workflow] : (raw.allowed_workflows ?? []);
      for (const name of names) {
        if (name !== undefined && name !== "default" && !Object.hasOwn(workflows, name))
          errors.push(`repos.${i}.${key}: workflow "${name}" is not defined (line ${locator.line([...path, key])})`);
      }
    }
    unsupportedKeys(raw, (key, why) => note([...path, key], why));
    errors.push(
      ...looserThanAtlantis(raw).map((why) => `repos.${i}.${why} (line ${locator.line([...path, why.split(":")[0] as string])})`),
    );
    return { id: raw.id, origin: `${source} repos[${i}]`, raw };
  });

  let policies: ServerConfig["policies"];
  if (file.policies) {
    const folder = dirname(resolve(source));
    const sets = Array.isArray(file.policies.policy_sets) ? (file.policies.policy_sets as Record<string, unknown>[]) : undefined;
    const withPaths = {
      ...file.policies,
      ...(sets && {
        policy_sets: sets.map((s) =>
          s && typeof s === "object" && typeof s.path === "string" && !isAbsolute(s.path) ? { ...s, path: resolve(folder, s.path) } : s,
        ),
      }),
    };
    const checked = policiesSchema.safeParse(withPaths);
    if (!checked.success) errors.push(...describe(checked.error.issues.map((i) => ({ ...i, path: ["policies", ...i.path] }))));
    else if (opts.policyChecks) policies = checked.data;
    else unsupported.push(`${source}: \`policies\` is not active: ATLANTIS_ENABLE_POLICY_CHECKS is not true (as in Atlantis)`);
  }
  if (errors.length) throw new ConfigError(`${source}:\n${[...new Set(errors)].join("\n")}`);
  return { source, host: opts.host, entries, workflows, policies, policyChecks: opts.policyChecks, unsupported };
}

/** `branch` values that keep an entry to no fewer base branches than Sluice does (all). */
const EVERY_BRANCH = new Set(["/.*/", "/^.*$/", "/.*$/", "/^.*/"]);

/**
 * Keys whose value Sluice would honour more loosely than Atlantis, so that ignoring them with a
 * notice would open what the operator meant to close: refused at start. An entry Atlantis keeps
 * to some base branches would hold for every one here (a sandbox branch's looser rules on
 * production's), a plan requirement Sluice does not wait for would let unreviewed code run in a
 * plan, and an import requirement beyond the apply's would not be asked.
 */
function looserThanAtlantis(raw: AtlantisRepoEntry): string[] {
  const refused: string[] = [];
  if (raw.branch !== undefined && !EVERY_BRANCH.has(raw.branch))
    refused.push(
      `branch: Sluice applies a repos entry to every base branch of its repositories, so this one (\`${raw.branch}\`) would set its requirements, workflow and overrides for all of them; remove \`branch\` (an entry for every branch), or keep branch-specific settings in that branch's own atlantis.yaml`,
    );
  if (raw.plan_requirements?.length)
    refused.push(
      `plan_requirements: Sluice does not hold a plan until [${raw.plan_requirements.join(", ")}] is met, so the pull request's code would run in plans before it; remove it, and say who may plan with the server's \`plan_permission\``,
    );
  // `/import` needs what `/apply` needs here: looser than Atlantis where it asks more of an import.
  const more = (raw.import_requirements ?? []).filter((r) => !(raw.apply_requirements ?? []).includes(r));
  if (more.length)
    refused.push(
      `import_requirements: \`/import\` needs what \`/apply\` needs in Sluice, and this entry's apply_requirements lack [${more.join(", ")}], so an import would run without it; add it to apply_requirements or remove it here`,
    );
  return refused;
}

/** Keys of an entry whose values Sluice cannot honour (a value Sluice does anyway is not named). */
function unsupportedKeys(raw: AtlantisRepoEntry, note: (key: string, why: string) => void): void {
  if (raw.repo_config_file !== undefined && raw.repo_config_file !== "atlantis.yaml")
    note("repo_config_file", "Sluice reads `atlantis.yaml` at the repository root");
  const others = (raw.allowed_overrides ?? []).filter((o) => o !== "apply_requirements" && o !== "workflow");
  if (others.length) note("allowed_overrides", `${others.join(", ")} cannot be overridden by a repository`);
  if (raw.delete_source_branch_on_merge) note("delete_source_branch_on_merge", "Sluice does not delete branches");
  if (raw.repo_locking === false) note("repo_locking", "locks are always on");
  if (raw.repo_locks && raw.repo_locks.mode !== "on_plan") note("repo_locks", "locks are taken at plan");
  if (raw.custom_policy_check) note("custom_policy_check", "policy checks run conftest");
  if (raw.autodiscover && (raw.autodiscover.mode ?? "auto") !== "auto")
    note("autodiscover", "Sluice autodiscovers projects when a repository has no config file");
  else if (raw.autodiscover?.ignore_paths?.length) note("autodiscover", "ignore_paths is not read");
  if (raw.silence_pr_comments?.length) note("silence_pr_comments", "Sluice always comments");
}
