import type { PlanSummary } from "../model/plan-summary.js";
import type { StoredSummary } from "../store/store.js";

/** What may be stored of a summary: everything but the sensitive values themselves. */
export function withoutSecrets(summary: PlanSummary): StoredSummary {
  const { sensitiveValues: _dropped, ...rest } = summary;
  return rest;
}
