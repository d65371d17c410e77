import { Cron } from "croner";
import { repoGlobMatches, splitMatch } from "../config/trusted-identity.js";
import type { ServerConfig } from "../config/server-config.js";
import { type ApplyWindow, occurrenceEnd, openOccurrence } from "../gate/apply-windows.js";
import type { ChangeControl, FreezeRule, WindowRule } from "../model/change-control.js";
import { formatDuration } from "../util/duration.js";
import type { ControlledAction } from "./change-control-facts.js";

const ACTIONS: readonly ControlledAction[] = ["plan", "apply", "unlock", "state", "destroy", "approve_policies"];

const stamp = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/** One window rule now: whether one of its windows is on (as the gate reads it), until when, and its next start. */
function windowNow(w: ApplyWindow, now: Date): WindowRule {
  const cron = (w.allow ?? w.deny) as string;
  const start = openOccurrence(w, cron, now);
  const next = new Cron(cron, { paused: true, timezone: w.timezone }).nextRun(now);
  const on = start !== undefined;
  // The gate's own reading: overlapping occurrences chained; none found to end: no `until`.
  const ends = start ? occurrenceEnd(w, cron, start) : undefined;
  const until = ends ? stamp(ends) : undefined;
  return {
    match: w.match,
    kind: w.allow !== undefined ? "allow" : "deny",
    cron,
    duration: formatDuration(w.duration),
    timezone: w.timezone,
    on,
    ...(until ? { until } : {}),
    ...(next ? { next: stamp(next) } : {}),
  };
}

function freezeNow(f: ServerConfig["freezes"][number], now: Date): FreezeRule {
  const at = now.getTime();
  const state = at < Date.parse(f.from) ? "ahead" : at < Date.parse(f.to) ? "on" : "over";
  return { match: f.match, from: stamp(new Date(f.from)), to: stamp(new Date(f.to)), reason: f.reason, now: state };
}

/**
 * Pure: the server's apply windows, freezes and permissions that can hold projects of `repo`
 * (their repository side matches it, as the gate's ruleCovers reads it), each with what it says
 * at `now`. For the console's settings page and `sluice config explain`.
 */
export function changeControlOf(
  config: Pick<ServerConfig, "apply_windows" | "freezes" | "permissions">,
  repo: string,
  now: Date,
): ChangeControl {
  const mine = <R extends { match: string }>(rules: readonly R[]) => rules.filter((r) => repoGlobMatches(splitMatch(r.match).repo, repo));
  return {
    windows: mine(config.apply_windows).map((w) => windowNow(w, now)),
    freezes: mine(config.freezes).map((f) => freezeNow(f, now)),
    permissions: mine(config.permissions).map((r) => ({
      match: r.match,
      actions: ACTIONS.flatMap((action) => (r[action] ? [{ action, who: r[action] }] : [])),
    })),
  };
}
