import type { PreviewRecord } from "../model/preview.js";

type Times = Pick<PreviewRecord, "createdAt" | "lastPushAt" | "extendedUntil" | "ttlMs" | "maxAgeMs">;

/** When the preview is to be destroyed (epoch ms), or undefined when neither `ttl` nor `max_age` is set. */
export function previewExpiresAt(p: Times): number | undefined {
  const ttl = p.ttlMs === undefined ? undefined : Math.max(p.lastPushAt + p.ttlMs, p.extendedUntil ?? 0);
  // `max_age` is the hard end: `/preview extend` never keeps a preview past it.
  const hard = p.maxAgeMs === undefined ? undefined : p.createdAt + p.maxAgeMs;
  if (ttl === undefined) return hard;
  return hard === undefined ? ttl : Math.min(ttl, hard);
}

/** Why the sweep destroys this preview now, or undefined. */
export function expiredBecause(p: Times & Pick<PreviewRecord, "status">, now: number): string | undefined {
  if (p.status !== "live" && p.status !== "failed") return undefined;
  const ttlEnd = p.ttlMs === undefined ? undefined : Math.max(p.lastPushAt + p.ttlMs, p.extendedUntil ?? 0);
  if (p.maxAgeMs !== undefined && now >= p.createdAt + p.maxAgeMs) return "its `max_age` passed";
  if (ttlEnd !== undefined && now >= ttlEnd) return "its `ttl` passed with no push";
  return undefined;
}

/** A failed destroy is tried again after 1, 2, 4 … minutes, at most an hour apart. */
export function nextDestroyAttempt(attempts: number, now: number, baseMs = 60_000): number {
  return now + Math.min(baseMs * 2 ** Math.max(0, attempts - 1), 3600_000);
}
