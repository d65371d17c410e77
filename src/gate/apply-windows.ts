import { Cron } from "croner";
import { ruleCovers } from "../config/trusted-identity.js";
import type { TrustedIdentity } from "../model/trusted-identity.js";

/** An `apply_windows` entry of the server config, as parsed (duration in ms). */
export interface ApplyWindow {
  match: string;
  allow?: string;
  deny?: string;
  duration: number;
  timezone: string;
}

/** A `freezes` entry: no change from `from` until `to` (ISO instants). */
export interface Freeze {
  match: string;
  from: string;
  to: string;
  reason: string;
}

export type WindowState = { open: true } | { open: false; why: string; opensAt?: string };

const cron = (w: ApplyWindow, expr: string) => new Cron(expr, { paused: true, timezone: w.timezone });

/** The start of the occurrence of `expr` that `now` falls in, if any. */
export function openOccurrence(w: ApplyWindow, expr: string, now: Date): Date | undefined {
  const start = cron(w, expr).previousRuns(1, now)[0];
  return start && now.getTime() - start.getTime() < w.duration ? start : undefined;
}

/** Occurrences chained at the most: past this, a window whose starts keep overlapping is on for good as far as can be told. */
const MAX_CHAINED = 1000;

/**
 * When a window on since `start` closes: its occurrence's end or, when the next occurrences start
 * before it (a duration longer than the cron's period), the end of the last one so chained; a
 * deny window is closed, an allow window open, through all of them. Undefined when they chain on
 * past MAX_CHAINED occurrences.
 */
export function occurrenceEnd(w: ApplyWindow, expr: string, start: Date): Date | undefined {
  const c = cron(w, expr);
  let end = start.getTime() + w.duration;
  let from = start;
  for (let i = 0; i < MAX_CHAINED; i++) {
    const next = c.nextRun(from);
    if (!next || next.getTime() > end) return new Date(end);
    end = Math.max(end, next.getTime() + w.duration);
    from = next;
  }
  return undefined;
}

const stamp = (d: Date) => `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;

/**
 * Whether a project may be changed now: inside one of its `allow` windows when it has any, in
 * none of its `deny` windows, and in no freeze. A closed state says why and, when it can be
 * known, when it opens (the earliest of the reasons that close it, taken one at a time).
 */
export function windowState(windows: readonly ApplyWindow[], freezes: readonly Freeze[], project: TrustedIdentity, now: Date): WindowState {
  const covers = (r: { match: string }) => ruleCovers(r.match, project, "restrict");
  return windowsState(windows.filter(covers), freezes.filter(covers), now);
}

/** The same over windows and freezes already chosen for a project (a rule's own window). */
export function windowsState(mine: readonly ApplyWindow[], freezes: readonly Freeze[], now: Date): WindowState {
  const freeze = freezes.find((f) => Date.parse(f.from) <= now.getTime() && now.getTime() < Date.parse(f.to));
  if (freeze) {
    return {
      open: false,
      why: `a change freeze is on until ${stamp(new Date(freeze.to))} (${freeze.reason})`,
      opensAt: stamp(new Date(freeze.to)),
    };
  }
  for (const w of mine) {
    const start = w.deny ? openOccurrence(w, w.deny, now) : undefined;
    if (w.deny && start) {
      const ends = occurrenceEnd(w, w.deny, start);
      const deny = `a deny window (\`${w.deny}\`, ${w.timezone}) is on`;
      if (!ends) return { open: false, why: `${deny}, its occurrences overlapping with no end in sight` };
      return { open: false, why: `${deny} until ${stamp(ends)}`, opensAt: stamp(ends) };
    }
  }
  const allows = mine.filter((w): w is ApplyWindow & { allow: string } => w.allow !== undefined);
  if (allows.length === 0 || allows.some((w) => openOccurrence(w, w.allow, now))) return { open: true };
  const next = allows
    .map((w) => cron(w, w.allow).nextRun(now))
    .filter((d): d is Date => d !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  const list = allows.map((w) => `\`${w.allow}\` (${w.timezone})`).join(", ");
  return { open: false, why: `it is outside the project's apply windows (${list})`, opensAt: next ? stamp(next) : undefined };
}
