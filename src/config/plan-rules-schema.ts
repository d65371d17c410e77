import { z } from "zod";
import { cronSchema } from "../util/cron.js";
import { timezone } from "./change-control-schema.js";
import { duration } from "./server-config-parts.js";

/** The trusted rules that read a plan (docs/plan-rules.md), in the server's and the repo's config. */

const TEAM = /^@?[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export const protectSchema = z
  .array(z.string().min(1))
  .describe(
    "Resource address globs (`*` = anything, the rest literal; without a leading module. they match in any module): a plan that destroys or replaces a match is refused unless an owner's `/apply --override-protect -- REASON` is recorded.",
  );

export const destroyRuleSchema = z
  .strictObject({
    approvals: z.number().int().min(0).max(20).default(1).describe("Approvals of the current commit a destroy plan needs."),
    teams: z
      .array(z.string().regex(TEAM, "must be a team as org/team-slug"))
      .default([])
      .describe("Only approvals by members of these teams count (none listed: any approval that counts for `approved`)."),
    window: z
      .strictObject({ allow: cronSchema.optional(), deny: cronSchema.optional(), duration, timezone })
      .refine((w) => (w.allow === undefined) !== (w.deny === undefined), "give exactly one of `allow` or `deny`")
      .optional()
      .describe("When a destroy plan may be applied: an apply window of its own, on top of the project's apply windows."),
  })
  .describe(
    "What a whole-project destroy plan (`/plan -- -destroy`, or one deleting most of what the state holds) needs, besides `allow_destroy`.",
  );

export const autoApproveSchema = z
  .strictObject({
    when: z
      .array(z.enum(["empty", "only_tags", "no_destroy"]))
      .min(1)
      .default(["no_destroy"])
      .describe("Any one of these must hold: the plan changes nothing; only tags/labels change; nothing is destroyed or replaced."),
    max_changes: z.number().int().min(0).optional().describe("And at most this many resources change."),
    types: z.array(z.string().min(1)).min(1).optional().describe("And every changed resource's type matches one of these globs."),
  })
  .describe(
    "When the `approved` requirement counts as met without a review. Policy checks still run; an agent's pull request still needs a human.",
  );

/** Server-only: who may dismiss a protection, besides the server's `admins`. */
export const protectOwnersSchema = z
  .array(z.string().min(1))
  .describe(
    "Users (a login, trusted as the account it named when Sluice first resolved it, or `login#account-id`), and teams as org/team-slug, who may `/apply --override-protect` (the server's admins always may).",
  );

/** Server-only: identities that may plan but never apply, approve or override. */
export const agentsSchema = z
  .array(z.string().min(1))
  .describe(
    "Logins and App slugs (`renovate[bot]`), or globs (`*[bot]`), of agents: they may open pull requests and plan, never apply, approve or override.",
  );
