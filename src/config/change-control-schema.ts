import { z } from "zod";
import { cronSchema } from "../util/cron.js";
import { duration } from "./server-config-parts.js";

/** The server's change control settings: apply windows, freezes and per-project permissions. */

const repoProjectMatch = z.string().min(1).describe("REPO_GLOB or REPO_GLOB:PROJECT_GLOB");

export const timezone = z
  .string()
  .default("Etc/UTC")
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, "must be an IANA time zone such as Europe/Berlin");

/** An apply window: a cron of its starts and how long each lasts, in a time zone. */
export const applyWindow = z
  .strictObject({ match: repoProjectMatch, allow: cronSchema.optional(), deny: cronSchema.optional(), duration, timezone })
  .refine((w) => (w.allow === undefined) !== (w.deny === undefined), "give exactly one of `allow` or `deny`");

const instant = z.iso.datetime({ offset: true }).describe("an ISO 8601 instant, e.g. 2026-12-20T00:00:00Z");
export const freeze = z
  .strictObject({ match: repoProjectMatch, from: instant, to: instant, reason: z.string().default("") })
  .refine((f) => Date.parse(f.from) < Date.parse(f.to), "`from` must be before `to`");

const principals = z.array(z.string().min(1)).describe("users, and teams as org/team-slug");
/** Per-project permissions: each named action is limited to the listed users and teams. */
export const permissionRule = z.strictObject({
  match: repoProjectMatch,
  plan: principals.optional(),
  apply: principals.optional(),
  unlock: principals.optional(),
  state: principals.optional(),
  destroy: principals.optional(),
  approve_policies: principals.optional(),
});
