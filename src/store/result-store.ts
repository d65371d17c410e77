import type { JobResult } from "../model/job-result.js";

/** A job's stored final answer, until it is on GitHub; then only the fact that it was posted. */
export type StoredJobResult = UnpostedJobResult | PostedJobResult;
/**
 * `shownAt`: GitHub's time of the edit that posted it (its clock, as comments' `created_at`), when
 * every comment part was an edit GitHub answered with one; absent otherwise.
 */
export type PostedJobResult = { jobId: number; posted: true; shownAt?: string };
export type UnpostedJobResult = { jobId: number; posted: false; result: JobResult };

export const isUnposted = (r: StoredJobResult): r is UnpostedJobResult => !r.posted;

/**
 * The results outbox: a job's final answer is kept before it is posted and marked once posted.
 * Keyed by job id: a job has one final answer, and whoever posts it edits the job's own comments.
 */
export interface ResultStore {
  /** Keeps (or replaces) the job's final answer as not yet posted, owned by this replica. */
  saveResult(jobId: number, result: JobResult): Promise<void>;
  resultOf(jobId: number): Promise<StoredJobResult | undefined>;
  /** Marks the answer posted and drops its text (it is on GitHub now; comments can be large). */
  markResultPosted(jobId: number, shownAt?: string): Promise<void>;
  /**
   * Answers not posted by a replica that is gone (a previous process, for the embedded store), now
   * this replica's to post: each is handed to one caller only, oldest first.
   */
  orphanedResults(): Promise<UnpostedJobResult[]>;
}
