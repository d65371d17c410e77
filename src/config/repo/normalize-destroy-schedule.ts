import type { DestroySchedule } from "../../model/destroy-schedule.js";
import type { RunnerKind } from "../../model/project.js";
import { parseDuration } from "../../util/duration.js";
import type { KeyPath } from "./format-path.js";
import type { NormalizeContext } from "./normalize-context.js";
import type { SluiceProjectInput } from "./sluice-schema.js";

// A date, or a date and time with seconds optional and a zone required: "12:00" alone would be
// read in the server's own zone, and a workspace must not go an hour early because of it.
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date (midnight UTC) or date-time with a zone, in epoch ms; undefined for anything else. */
export function parseDestroyAt(text: string): number | undefined {
  if (!ISO.test(text)) return undefined;
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  const [y, m, d] = text.slice(0, 10).split("-").map(Number) as [number, number, number];
  // Date.parse rolls 2026-02-30 over to March: such a date is refused, not moved.
  const day = new Date(Date.UTC(y, m - 1, d));
  if (!Number.isFinite(ms) || day.getUTCMonth() !== m - 1 || day.getUTCDate() !== d) return undefined;
  return ms;
}

/** A project's `destroy_at` / `idle_ttl`, or undefined when neither is set or one is invalid (the error is recorded). */
export function normalizeDestroySchedule(
  raw: Pick<SluiceProjectInput, "destroy_at" | "idle_ttl">,
  runner: RunnerKind,
  path: KeyPath,
  ctx: NormalizeContext,
): DestroySchedule | undefined {
  if (raw.destroy_at === undefined && raw.idle_ttl === undefined) return undefined;
  if (runner !== "terraform" && runner !== "opentofu") {
    // The destroy is a `-destroy` plan: Helm and Kustomize have none.
    ctx.error(
      [...path, raw.destroy_at === undefined ? "idle_ttl" : "destroy_at"],
      `is supported for terraform and opentofu projects only, not runner ${runner}`,
    );
    return undefined;
  }
  let ok = true;
  const destroyAt = raw.destroy_at === undefined ? undefined : parseDestroyAt(raw.destroy_at);
  if (raw.destroy_at !== undefined && destroyAt === undefined) {
    ctx.error(
      [...path, "destroy_at"],
      `must be an ISO 8601 date or date-time with a zone, such as 2026-12-31 or 2026-12-31T18:00:00Z, got ${JSON.stringify(raw.destroy_at)}`,
    );
    ok = false;
  }
  const idleTtlMs = raw.idle_ttl === undefined ? undefined : parseDuration(raw.idle_ttl);
  if (raw.idle_ttl !== undefined && idleTtlMs === undefined) {
    ctx.error([...path, "idle_ttl"], `must be a duration such as 30m, 72h or 14d, got ${JSON.stringify(raw.idle_ttl)}`);
    ok = false;
  }
  if (!ok) return undefined;
  return { ...(destroyAt === undefined ? {} : { destroyAt }), ...(idleTtlMs === undefined ? {} : { idleTtlMs }) };
}
