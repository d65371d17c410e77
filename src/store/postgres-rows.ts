import * as rows from "./record-rows.js";

/** Row shapes as node-postgres returns them: jsonb parsed, timestamptz as Date, bigint as string. */
type Pg = { json: unknown; time: Date; bigint: string; bool: boolean };

export type JobRow = rows.JobRow<Pg>;
export type PlanRow = rows.PlanRow<Pg>;
export type LockRow = rows.LockRow<Pg>;
export type ApplyRow = rows.ApplyRow<Pg>;
export type ApplyViewRow = rows.ApplyViewRow<Pg>;
export type StreamRow = rows.StreamRow<Pg>;
export type AuditRow = rows.AuditRow<Pg>;
export type LiveRow = rows.LiveRow<Pg>;

export const { toJob, toPlan, toLock, toApply, toApplyView, toStream, toLockViews, toAudit, toLive } = rows.recordMappers<Pg>({
  json: (v) => v,
  time: (v) => v.toISOString(),
  bigint: (v) => Number(v),
  bool: (v) => v,
});
