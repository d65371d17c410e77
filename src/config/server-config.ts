import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import type { Workflow } from "../model/repo-config.js";
import { formatDuration } from "../util/duration.js";
import { errorMessage } from "../util/errors.js";
import type { AtlantisRepos } from "./read-atlantis-repos.js";
import { createContext } from "./repo/normalize-context.js";
import { normalizeSluiceWorkflows } from "./repo/sluice-workflows.js";
import { createLocator } from "./repo/yaml-locator.js";
import { type RepoRule, repoEntrySchema } from "./repo-entries.js";
import { serverConfigSchema } from "./server-config-schema.js";

export type ServerConfig = z.output<typeof serverConfigSchema> & {
  /** `workflows`, normalized (steps split, defaults filled): what runners receive. */
  serverWorkflows: Record<string, Workflow>;
  /** `repos`, as rules in their order (plain globs and entries), plus those of an Atlantis repos.yaml. */
  repoRules: RepoRule[];
  /** The file each top-level key was set in (keys left at their default are absent). */
  keySources: Partial<Record<string, string>>;
  /** Atlantis' repos.yaml (ATLANTIS_REPO_CONFIG), whose entries apply with Atlantis' meaning. */
  atlantis?: AtlantisRepos;
  /** Keys read and not supported, each with its file and line: named at start (log, /readyz, console). */
  unsupported: string[];
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** GitHub keeps a delivery redeliverable for three days. */
const REDELIVERABLE_MS = 72 * 3600e3;

/**
 * Each look asks for the deliveries that failed within `redeliver_within`: one shorter than the
 * time between looks (`reconcile_interval`) never sees those that failed early in the gap. Set so,
 * it is refused; left at its default (1h) beside a longer interval, it is one interval (at most 72h).
 */
function redeliveryWindow(
  config: Pick<z.output<typeof serverConfigSchema>, "redeliver_within" | "reconcile_interval">,
  raw: unknown,
  source: string,
): number | false {
  const within = config.redeliver_within;
  if (within === false || within >= config.reconcile_interval) return within;
  const set = typeof raw === "object" && raw !== null && Object.hasOwn(raw, "redeliver_within");
  if (!set) return Math.min(config.reconcile_interval, REDELIVERABLE_MS);
  throw new ConfigError(
    `${source}: redeliver_within (${formatDuration(within)}) is shorter than reconcile_interval (${formatDuration(config.reconcile_interval)}): a delivery that failed early between two looks would never be asked for again (make it at least reconcile_interval, or false)`,
  );
}

/** Formats zod issues as "key.path: message (line N)" using the YAML document's positions. */
function describeIssues(issues: z.core.$ZodIssue[], lineOf: (path: PropertyKey[]) => number | undefined): string {
  return issues
    .map((i) => {
      const key = i.path.length ? i.path.map(String).join(".") : "(root)";
      const line = lineOf(i.path);
      return `${key}: ${i.message}${line ? ` (line ${line})` : ""}`;
    })
    .join("\n");
}

export function parseServerConfig(text: string, source = "server config"): ServerConfig {
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length) {
    throw new ConfigError(`${source}: invalid YAML: ${doc.errors[0]?.message.split("\n")[0]}`);
  }
  const lineCounter = (path: PropertyKey[]) => {
    const node = doc.getIn(path as unknown[], true) as { range?: [number] } | undefined;
    if (!node?.range) return undefined;
    return text.slice(0, node.range[0]).split("\n").length;
  };
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // The library's alias-expansion guard throws a plain error: still a configuration problem.
    throw new ConfigError(`${source}: invalid YAML: ${errorMessage(e)}`);
  }
  const result = serverConfigSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(`${source}:\n${describeIssues(result.error.issues, lineCounter)}`);
  for (const p of result.data.redact_patterns) {
    try {
      new RegExp(p);
    } catch {
      throw new ConfigError(`${source}: redact_patterns: \`${p}\` is not a valid regular expression`);
    }
  }
  const config = { ...result.data, redeliver_within: redeliveryWindow(result.data, raw, source) };
  const repoRules = readRepoEntries(config.repos, source, (i) => describeIssues(i, lineCounter));
  const ctx = createContext(createLocator(doc, (offset) => text.slice(0, offset).split("\n").length));
  const serverWorkflows = normalizeSluiceWorkflows(config.workflows, ctx);
  for (const [name, w] of Object.entries(config.workflows)) {
    const step = w.policy_check?.steps.find((s) => typeof s === "object");
    const workflow = serverWorkflows[name];
    if (w.policy_check && workflow)
      workflow.policyCheck = { extraArgs: typeof step === "object" ? (step.policy_check.extra_args ?? []) : [] };
  }
  const named = (settings: Partial<Record<string, unknown>>, prefix: string) => [
    ...(typeof settings.default_workflow === "string" ? [[`${prefix}default_workflow`, settings.default_workflow]] : []),
    ...((settings.allowed_workflows as string[] | undefined) ?? []).map((w) => [`${prefix}allowed_workflows`, w]),
  ];
  for (const [key, name] of [...named(config, ""), ...repoRules.flatMap((r) => named(r.settings, `${r.origin}.`))]) {
    if (name !== undefined && !Object.hasOwn(serverWorkflows, name)) {
      throw new ConfigError(
        `${source}: ${key}: no server workflow named ${name} (defined: ${Object.keys(serverWorkflows).join(", ") || "none"})`,
      );
    }
  }
  if (ctx.hasErrors()) throw new ConfigError(`${source}:\n${ctx.errors().join("\n")}`);
  const set = raw && typeof raw === "object" ? Object.keys(raw) : [];
  return {
    ...config,
    serverWorkflows,
    repoRules,
    keySources: Object.fromEntries(set.map((k) => [k, source])),
    unsupported: [],
  };
}

/** Each `repos:` item as a rule; entries checked key by key against the top level's rules. */
function readRepoEntries(repos: ServerConfig["repos"], source: string, describe: (issues: z.core.$ZodIssue[]) => string): RepoRule[] {
  const entry = repoEntrySchema(serverConfigSchema.shape);
  const issues: z.core.$ZodIssue[] = [];
  const rules = repos.map((item, i): RepoRule => {
    if (typeof item === "string") return { id: item, allows: true, origin: `repos[${i}]`, settings: {} };
    const parsed = entry.safeParse(item);
    if (!parsed.success) issues.push(...parsed.error.issues.map((x) => ({ ...x, path: ["repos", i, ...x.path] })));
    const { id, ...settings } = (parsed.data ?? { id: "" }) as { id: string } & Record<string, unknown>;
    const custom = settings.allow_custom_workflows;
    if (typeof custom === "boolean") settings.allow_custom_workflows = custom ? ["**"] : [];
    return { id, allows: true, origin: `repos[${i}]`, settings };
  });
  if (issues.length) throw new ConfigError(`${source}:\n${describe(issues)}`);
  return rules;
}

export function loadServerConfig(path: string | undefined): ServerConfig {
  if (!path) return parseServerConfig("", "server config");
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`SLUICE_SERVER_CONFIG: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseServerConfig(text, path);
}
