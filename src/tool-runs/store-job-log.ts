import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { JobDeps } from "../job-context/job-deps.js";
import { errorMessage } from "../util/errors.js";

export interface JobLogWriter {
  write(chunk: string): void;
  end(): void;
}

/**
 * How long output gathers before it is stored. Each store write is a durable commit (an fsync on
 * SQLite): a tool printing a line at a time would otherwise cost one commit per line, on the
 * event loop that also answers webhooks. A quarter second still reads as live in the console.
 */
export const JOB_LOG_FLUSH_MS = 250;

/**
 * A project's live output, kept in the store so any replica can stream it and it survives a
 * restart. Same shape as a file stream: `write` never blocks the tool; output is stored at most
 * every JOB_LOG_FLUSH_MS, in order, and what is left is stored at `end`. The text is already
 * redacted (runners/exec.ts redacts live output before `onOutput`).
 */
export function openJobLog(
  deps: Pick<JobDeps, "store" | "config" | "log">,
  job: Job,
  project: string,
  flushMs = JOB_LOG_FLUSH_MS,
): JobLogWriter {
  const maxBytes = deps.config.log_max_bytes;
  const base = {
    jobId: job.id,
    repo: repoFullName(job.target.repo),
    pr: job.target.pr,
    kind: job.spec.kind === "apply" || job.spec.kind === "drift-apply" ? ("apply" as const) : ("plan" as const),
    project,
  };
  let pending = "";
  let flushing = false;
  let full = false;
  let failed = false;
  let timer: NodeJS.Timeout | undefined;

  async function flush(): Promise<void> {
    flushing = true;
    while (pending && !full) {
      const text = pending;
      pending = "";
      try {
        if (!(await deps.store.appendJobLog({ ...base, text }, maxBytes))) full = true;
      } catch (e) {
        // The job goes on without its live log rather than failing over it; said once.
        if (!failed) deps.log.warn({ jobId: job.id, project, err: errorMessage(e) }, "could not store job output");
        failed = true;
      }
    }
    flushing = false;
  }

  return {
    write(chunk) {
      if (full || !chunk) return;
      pending += chunk;
      timer ??= setTimeout(() => {
        timer = undefined;
        if (!flushing) void flush();
      }, flushMs);
    },
    end() {
      clearTimeout(timer);
      timer = undefined;
      if (pending && !flushing) void flush();
    },
  };
}
