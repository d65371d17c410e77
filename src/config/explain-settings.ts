import { REPO_LEVEL_KEYS, type RepoLevelKey } from "./repo-entries.js";
import { describeIdentity, repoGlobMatches, ruleCovers, splitMatch } from "./trusted-identity.js";
import type { TrustedIdentity } from "../model/trusted-identity.js";
import type { CredentialChoice } from "../model/credentials.js";
import { ruleMatches } from "./repo-entries.js";
import { serverConfigFor } from "./server-config-for.js";
import { describeSet } from "../credentials/describe-set.js";
import type { RepoConfig } from "../model/repo-config.js";
import { unmatchedProtectPatterns } from "./protect-warnings.js";
import { ignoredSettings } from "./ignored-settings.js";
import { repoSettings } from "./repo-settings.js";
import type { ServerConfig } from "./server-config.js";

/** One effective setting of a repository: its value, where it came from, and whether the repo's file may change it. */
export interface ExplainedSetting {
  key: RepoLevelKey;
  value: unknown;
  source: string;
  /** The repository's own config (base branch) may set this over the server's value (`allowed_overrides`). */
  repoMayOverride: boolean;
}

export interface Explanation {
  repo: string;
  allowed: boolean;
  /** The `repos:` rules that admit the repository (empty and allowed: the server has no allowlist). */
  allowedBy: string[];
  settings: ExplainedSetting[];
  /** `credentials` rules whose repository side matches, in order (first match wins per project), by name only. */
  credentials: { match: string; plan: string; apply: string }[];
  /** With the repository's own config (its base branch's file): what it changes, and what it sets in vain. */
  repoFile?: {
    source: string;
    overrides: { key: string; value: unknown; source: string }[];
    ignored: string[];
    /** Each project's trusted identity and the server rules it matched by it. */
    projects: { name: string; identity: string; matched: string[] }[];
  };
  /** The server's `agents` (server-wide): they may plan, never apply, approve or override. */
  agents: string[];
  /** What looks wrong, e.g. a `protect` pattern that matches nothing the repository declares. */
  warnings: string[];
}

/** `allowed_overrides` names, by the server keys they let a repository's own config set. */
const OVERRIDE_OF: Partial<Record<RepoLevelKey, string>> = {
  apply_requirements: "apply_requirements",
  approvals: "approvals",
  apply_on: "apply_on",
  automerge: "automerge",
  default_workflow: "workflow",
  apply_teams: "apply_teams",
  drift: "drift",
  destroy: "destroy",
  auto_approve: "auto_approve",
};

/** Every repository-level setting of `fullName` as the server resolves it, and what its own config changes (pure). */
export function explainSettings(
  config: ServerConfig,
  fullName: string,
  repoConfig?: RepoConfig,
  /** Resource and module addresses the repository's .tf files declare (when its files were given): `protect` is checked against them. */
  declared?: readonly string[],
): Explanation {
  const { config: resolved, allowed, sources } = serverConfigFor(config, fullName);
  const repoFile = repoConfig && repoConfig.source !== "none" ? explainRepoFile(resolved, fullName, repoConfig) : undefined;
  const overrides = new Set<string>(resolved.allowed_overrides);
  return {
    repo: fullName,
    allowed,
    allowedBy: config.repoRules.filter((r) => r.allows && ruleMatches(r, fullName)).map((r) => `${r.origin} (${r.id})`),
    settings: REPO_LEVEL_KEYS.map((key) => ({
      key,
      value: (resolved as Record<string, unknown>)[key],
      source: sources[key],
      repoMayOverride: OVERRIDE_OF[key] !== undefined && overrides.has(OVERRIDE_OF[key]),
    })),
    credentials: credentialRulesOf(config, fullName),
    ...(repoFile ? { repoFile } : {}),
    agents: config.agents,
    warnings: declared ? protectWarnings(resolved, repoConfig, declared) : [],
  };
}

/** Each `protect` pattern, the server's and the repository's projects', that matches nothing declared. */
function protectWarnings(resolved: ServerConfig, repoConfig: RepoConfig | undefined, declared: readonly string[]): string[] {
  const own = (repoConfig?.projects ?? []).flatMap((p) => (p.protect ?? []).map((pattern) => ({ pattern, where: `project ${p.name}` })));
  const all = [...resolved.protect.map((pattern) => ({ pattern, where: "server config" })), ...own];
  const unmatched = new Set(
    unmatchedProtectPatterns(
      all.map((a) => a.pattern),
      declared,
    ),
  );
  return all
    .filter((a) => unmatched.has(a.pattern))
    .map(
      (a) =>
        `protect pattern \`${a.pattern}\` (${a.where}) matches no resource or module this repository's .tf files declare (remote modules are not read): it protects nothing here`,
    );
}

/** The server's credential rules that can apply to the repository's projects (names, never values). */
function credentialRulesOf(config: ServerConfig, fullName: string): Explanation["credentials"] {
  return (
    config.credentials
      // As credentialRuleFor matches them (a dot repository included).
      .filter((r) => repoGlobMatches(splitMatch(r.match).repo, fullName))
      .map((r) => ({
        match: r.match,
        plan: r.plan ? describeSet(r.plan) : "none",
        apply: r.apply ? describeSet(r.apply) : "none",
      }))
  );
}

/** The values the repository's own config decides, through `repoSettings` (the same code the jobs use). */
function explainRepoFile(resolved: ServerConfig, fullName: string, repoConfig: RepoConfig): NonNullable<Explanation["repoFile"]> {
  const settings = repoSettings(resolved, fullName, repoConfig);
  const from = `${repoConfig.source} (allowed_overrides)`;
  const overrides: { key: string; value: unknown; source: string }[] = [];
  const top: [string, unknown, unknown][] = [
    ["apply_on", settings.applyOn, resolved.apply_on],
    ["approvals", settings.approvals, resolved.approvals],
    ["automerge", settings.automerge, resolved.automerge],
    ["apply_teams", settings.applyTeams, resolved.apply_teams],
  ];
  for (const [key, value, server] of top) {
    if (JSON.stringify(value) !== JSON.stringify(server)) overrides.push({ key, value, source: from });
  }
  for (const p of repoConfig.projects) {
    const project = { ...p, runner: p.runner ?? "terraform" } as unknown as Parameters<typeof settings.requirementsFor>[0];
    const requirements = settings.requirementsFor(project);
    if (JSON.stringify(requirements) !== JSON.stringify(resolved.apply_requirements))
      overrides.push({ key: `apply_requirements (project ${p.name})`, value: requirements, source: from });
    const rules = settings.planRulesFor(project);
    const ownProtect = rules.protect.filter((r) => r.source !== "server config").map((r) => r.pattern);
    if (ownProtect.length)
      overrides.push({ key: `protect (project ${p.name})`, value: ownProtect, source: `${repoConfig.source} (adds to the server's)` });
    for (const [key, rule] of [
      ["destroy", rules.destroy],
      ["auto_approve", rules.autoApprove],
    ] as const) {
      if (rule && rule.source !== "server config") {
        const { source: _, ...value } = rule;
        overrides.push({ key: `${key} (project ${p.name})`, value, source: from });
      }
    }
    const workflow = settings.workflowFor(project);
    if (p.workflow)
      overrides.push({
        key: `workflow (project ${p.name})`,
        value: workflow.refusal ? "refused" : p.workflow,
        source: workflow.refusal ?? `${repoConfig.source}`,
      });
  }
  const projects = repoConfig.projects.map((p) => {
    const id = settings.identityOf(p);
    return { name: p.name, identity: describeIdentity(id), matched: rulesMatched(resolved, id, settings.credentialsFor(p)) };
  });
  return { source: repoConfig.source, overrides, ignored: ignoredSettings(resolved, repoConfig), projects };
}

/** The server rules a project's trusted identity matches, each named by its `match` (never a value). */
function rulesMatched(config: ServerConfig, id: TrustedIdentity, credentials: CredentialChoice): string[] {
  const covers = (match: string) => ruleCovers(match, id, "restrict");
  const network = Object.entries(config.network).find(([m]) => covers(m));
  return [
    ...config.permissions.filter((r) => covers(r.match)).map((r) => `permissions \`${r.match}\``),
    ...config.apply_windows.filter((w) => covers(w.match)).map((w) => `apply_windows \`${w.match}\``),
    ...config.freezes.filter((f) => covers(f.match)).map((f) => `freezes \`${f.match}\` (${f.reason})`),
    ...(network ? [`network \`${network[0]}\`: ${network[1]}`] : []),
    credentials.rule ? `credentials \`${credentials.name}\`` : `credentials: none (${credentials.why})`,
  ];
}

const show = (v: unknown): string => (v === undefined ? "(unset)" : typeof v === "string" ? v : JSON.stringify(v));

/** The explanation as the CLI prints it: one line per setting, its value and its source. */
export function formatExplanation(e: Explanation): string {
  const head = e.allowed
    ? `${e.repo}: served (${e.allowedBy.length ? `repos: ${e.allowedBy.join(", ")}` : "no repos: allowlist, every installed repository"})`
    : `${e.repo}: NOT served: it matches no plain glob or entry of repos:, so nothing runs for it`;
  const width = Math.max(...e.settings.map((s) => s.key.length));
  const lines = e.settings.map(
    (s) =>
      `  ${s.key.padEnd(width)}  ${show(s.value)}  ← ${s.source}${s.repoMayOverride ? "; the repository's own config may override it (allowed_overrides)" : ""}`,
  );
  const creds = e.credentials.length
    ? [
        "  credentials (first matching rule per project, by its trusted name):",
        ...e.credentials.flatMap((c) => [`    ${c.match}`, `      plan:  ${c.plan}`, `      apply: ${c.apply}`]),
      ]
    : ["  credentials  none: no rule matches this repository, so its runs get no cloud credentials"];
  lines.push(...creds);
  lines.push(
    e.agents.length
      ? `  agents  ${e.agents.join(", ")}  ← server config (server-wide): they may plan, never apply, approve or override`
      : "  agents  none named",
  );
  lines.push(...e.warnings.map((w) => `  ⚠ warning: ${w}`));
  const file = e.repoFile;
  if (!file) return [head, ...lines].join("\n");
  const own = [
    `The repository's own config (${file.source}):`,
    ...(file.overrides.length ? file.overrides.map((o) => `  ${o.key}  ${show(o.value)}  ← ${o.source}`) : ["  changes none of the above"]),
    ...file.ignored.map((i) => `  ignored: ${i}`),
    "Projects, by their trusted identity (the base branch's project on the same dir and workspace):",
    ...file.projects.flatMap((p) => [`  ${p.name}: ${p.identity}`, ...p.matched.map((m) => `    ${m}`)]),
  ];
  return [head, ...lines, ...own].join("\n");
}
