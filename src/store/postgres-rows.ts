import * as rows from "./record-rows.js";

/** Row shapes as node-postgres returns them: jsonb parsed, timestamptz as Date, bigint as string. */
type Pg = { json: unknown; time: Date };

export type JobRow = rows.JobRow<Pg>;
export type PlanRow = rows.PlanRow<Pg>;
export type LockRow = rows.LockRow<Pg>;
export type ApplyRow = rows.ApplyRow<Pg>;

export const { toJob, toPlan, toLock, toApply } = rows.recordMappers<Pg>({ json: (v) => v, time: (v) => v.toISOString() });
