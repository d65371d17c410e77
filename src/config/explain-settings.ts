import { REPO_LEVEL_KEYS, type RepoLevelKey } from "./repo-entries.js";
import { ruleMatches } from "./repo-entries.js";
import { serverConfigFor } from "./server-config-for.js";
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
};

/** Every repository-level setting of `fullName` as the server resolves it (pure). */
export function explainSettings(config: ServerConfig, fullName: string): Explanation {
  const { config: resolved, allowed, sources } = serverConfigFor(config, fullName);
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
  };
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
  return [head, ...lines].join("\n");
}
