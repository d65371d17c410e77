import { readFileSync } from "node:fs";
import { cpus } from "node:os";
import { parseDocument } from "yaml";
import { z } from "zod";
import { cronSchema } from "../drift/cron.js";

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h)$/, "a duration such as 90s, 30m or 2h")
  .transform((s) => {
    const m = /^(\d+)(ms|s|m|h)$/.exec(s);
    const n = Number(m?.[1]);
    const unit = m?.[2];
    return unit === "ms" ? n : unit === "s" ? n * 1e3 : unit === "m" ? n * 60e3 : n * 3600e3;
  })
  // A zero timeout would kill every step the moment it starts.
  .refine((ms) => ms > 0, "must be longer than 0");

/** SLUICE_SERVER_CONFIG: operator settings no pull request can change. */
export const serverConfigSchema = z
  .object({
    /** Repos Sluice acts on (globs over owner/name); empty = all repos the app is installed on. */
    repos: z.array(z.string().min(1)).default([]),
    /** Autoplan draft pull requests too. */
    autoplan_drafts: z.boolean().default(false),
    /** Plan pull requests whose head is in a fork (their code runs on this server at plan time). */
    allow_fork_prs: z.boolean().default(false),
    /** Extra regular expressions whose matches are redacted from everything posted or logged. */
    redact_patterns: z.array(z.string().min(1)).default([]),
    terraform_binary: z.string().min(1).default("terraform"),
    tofu_binary: z.string().min(1).default("tofu"),
    /** Default: `.tools/bin/helm` when the setup step installed it, else `helm` on PATH. */
    helm_binary: z.string().min(1).optional(),
    kubectl_binary: z.string().min(1).default("kubectl"),
    /** Kubeconfig file per repo glob: Helm and Kustomize projects apply only where one is given. */
    kubeconfigs: z.record(z.string().min(1), z.string().min(1)).default({}),
    /**
     * Secrets runners may receive, by name: the value is read from the server's environment
     * (`env:NAME`), never from a pull request. Repos refer to them by name (helm `secret_set`).
     */
    secrets: z.record(z.string().regex(/^[A-Za-z0-9_.-]+$/), z.string().regex(/^env:[A-Za-z_][A-Za-z0-9_]*$/, "must be env:VARIABLE")).default({}),
    /** Timeout for one tool step (init, plan, show, apply). */
    step_timeout: duration.default(30 * 60e3),
    /** How many projects plan at once on this replica. */
    parallel: z.number().int().min(1).max(256).default(Math.max(1, cpus().length)),
    /** Requirements every project must meet before apply, unless a repo may override them. */
    apply_requirements: z.array(z.enum(["approved", "mergeable", "undiverged"])).default(["approved", "mergeable"]),
    /** Approvals the `approved` requirement needs. */
    approvals: z.number().int().min(0).max(20).default(1),
    /** GitHub users allowed to apply in every repo, in addition to users with write access. */
    apply_users: z.array(z.string().min(1)).default([]),
    /** Repo config keys a repo's base-branch .sluice.yaml may set over these defaults. */
    allowed_overrides: z.array(z.enum(["apply_requirements", "approvals", "apply_on", "automerge", "workflow", "drift"])).default([]),
    /** Repos (globs) whose base-branch workflows may run custom `run` steps on this server. */
    allow_custom_workflows: z.array(z.string().min(1)).default([]),
    /** Share downloaded providers between projects; downloads are serialized, so parallel inits are safe. */
    plugin_cache: z.boolean().default(true),
    /** Merge the pull request once every planned project is applied, unless the repo config says otherwise. */
    automerge: z.boolean().default(false),
    /** When to apply: on an `/apply` comment, or when the PR merges; the repo config may choose. */
    apply_on: z.enum(["comment", "merge"]).default("comment"),
    /** Pull mode defaults: when to check the default branch for drift, and what to do about it. */
    drift: z
      .strictObject({
        schedule: cronSchema.optional(),
        on_drift: z.enum(["report", "apply"]).default("report"),
        allow_destroy: z.boolean().default(false),
      })
      .default({ on_drift: "report", allow_destroy: false }),
    /** Most comments one command may post before the output is truncated. */
    max_comments: z.number().int().min(1).max(50).default(10),
  })
  .strict();

export type ServerConfig = z.output<typeof serverConfigSchema>;

export class ConfigError extends Error {
  override name = "ConfigError";
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
    throw new ConfigError(`${source}: invalid YAML: ${e instanceof Error ? e.message : String(e)}`);
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
  return result.data;
}

export function loadServerConfig(path: string | undefined): ServerConfig {
  if (!path) return serverConfigSchema.parse({});
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new ConfigError(`SLUICE_SERVER_CONFIG: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseServerConfig(text, path);
}
