import type { AuditOutboxStore } from "./audit-outbox-store.js";
import type { Db, Tx, TxBody } from "./db/db.js";
import type { Store } from "./store.js";

/**
 * What differs between the embedded and the shared store beyond SQL: who counts as gone, how run
 * locks and audit sinks are held across processes, how replicas hear of new jobs.
 */
export interface StoreDriver {
  db: Db;
  /** This process's id, recorded on the jobs it claims, the applies it starts and the results it keeps. */
  owner: string;
  /**
   * Those of `owners` whose process is gone, decided inside `t` so that two processes recovering
   * at once never both take the same owner's work. Embedded: every owner (its only process
   * recovers once, at start). Shared: owners whose replica no longer holds its liveness lock.
   */
  deadOwners(t: Tx, owners: string[]): TxBody<string[]>;
  runExclusive: Store["runExclusive"];
  withAuditSink: AuditOutboxStore["withAuditSink"];
  /** Named in the answer of a failed ping. */
  label: string;
  watchNewJobs?: Store["watchNewJobs"];
  anyOrphans?: Store["anyOrphans"];
  close(): Promise<void>;
}

/** The current time as the store writes it (ISO text, on both databases). */
export const now = (): string => new Date().toISOString();

/** `(owner IS NULL OR owner IN (?, …))` and its parameters: rows of no process, or of one that is gone. */
export function orphanedBy(dead: string[]): { sql: string; params: string[] } {
  if (dead.length === 0) return { sql: "owner IS NULL", params: [] };
  return { sql: `(owner IS NULL OR owner IN (${dead.map(() => "?").join(", ")}))`, params: dead };
}
