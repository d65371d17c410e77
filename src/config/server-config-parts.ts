import { repoGlobListSchema } from "./glob-list.js";
import { z } from "zod";
import { parseSize } from "../../runners/sandbox/sandbox-limits.js";

// Value shapes of the server config (server-config.ts), also read from Atlantis' repos.yaml.

/** A duration such as `90s`, `30m` or `2h`, in milliseconds. */
export const duration = z
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

/** A size in bytes: `512Mi`, `4Gi`, `1G`, or a number of bytes. */
export const size = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const bytes = parseSize(v);
  if (bytes === undefined) ctx.addIssue({ code: "custom", message: "a size such as 512Mi, 4Gi or 1G" });
  return bytes ?? 0;
});

/**
 * Atlantis' `policy_check` stage of a server workflow: `show` (Sluice always shows the plan) and
 * one `policy_check` step whose `extra_args` go to every `conftest test` run. Custom policy tools
 * (`run` steps here, Atlantis' `custom_policy_check`) are not supported.
 */
export const policyCheckStage = z.strictObject({
  steps: z
    .array(
      z.union(
        [
          z.enum(["show", "policy_check"]),
          z.strictObject({ policy_check: z.strictObject({ extra_args: z.array(z.string()).optional() }) }),
        ],
        {
          error: "must be show or policy_check (with extra_args); custom policy check steps are not supported",
        },
      ),
    )
    .refine(
      (steps) => steps.filter((s) => s === "policy_check" || typeof s === "object").length === 1,
      "needs exactly one policy_check step",
    ),
});

/** Who may `/approve_policies`: GitHub logins, and teams as `org/team-slug` or `team-slug` (the repo's owner). */
const policyOwnersSchema = z
  .object({
    users: z.array(z.string().min(1)).default([]),
    teams: z.array(z.string().regex(/^([A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/, "a team slug, or org/team-slug")).default([]),
  })
  .strict();

/** Atlantis' `policies` block (repos.yaml): top-level owners approve every set, a set's owners only that set. */
export const policiesSchema = z
  .object({
    owners: policyOwnersSchema.default({ users: [], teams: [] }),
    /** Approvals a failing set needs, unless the set says otherwise. */
    approve_count: z.number().int().min(1).max(20).default(1),
    /** Repos (globs over owner/name; `!GLOB` excludes) whose plans are checked; empty = every repo (Atlantis' per-repo `policy_check`). */
    repos: repoGlobListSchema.default([]),
    /** Default: `conftest` on PATH. */
    conftest_binary: z.string().min(1).default("conftest"),
    /** Atlantis downloads this version; Sluice downloads nothing and runs `conftest_binary`, so it is accepted and ignored. */
    conftest_version: z.string().min(1).optional(),
    policy_sets: z
      .array(
        z
          .object({
            name: z.string().regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"),
            /** An absolute directory of conftest (rego) policies on this server. */
            path: z.string().refine((p) => p.startsWith("/"), "an absolute path on the Sluice server"),
            /** Atlantis supports local policy dirs only; so does Sluice. */
            source: z.literal("local"),
            owners: policyOwnersSchema.optional(),
            approve_count: z.number().int().min(1).max(20).optional(),
            /** The pull request's author may not approve this set. */
            prevent_self_approve: z.boolean().default(false),
          })
          .strict(),
      )
      .min(1, "at least one policy set")
      .refine((sets) => new Set(sets.map((s) => s.name)).size === sets.length, "policy set names must be unique"),
  })
  .strict();

/**
 * A workflow hook (Atlantis' shape): a shell command run in the sandbox of the PR's checkout
 * before (pre) or after (post) the command's workflows; `commands` limits it to some commands.
 */
export const workflowHookSchema = z.strictObject({
  run: z.string().min(1),
  description: z.string().optional(),
  /** Default `sh`; a shell by name on the sandbox's PATH. */
  shell: z
    .string()
    .regex(/^[A-Za-z0-9_.+-]+$/, "a shell by name, such as sh or bash")
    .optional(),
  /** Default `-c`; split on spaces, as Atlantis does. */
  shellArgs: z.string().optional(),
  /** Comma-separated commands it runs for (`plan`, `apply`, …); default: every command. */
  commands: z.string().optional(),
});
