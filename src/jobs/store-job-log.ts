import type { Job } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import type { JobDeps } from "./job-deps.js";

export interface JobLogWriter {
  write(chunk: string): void;
  end(): void;
}

/**
 * A project's live output, kept in the store so any replica can stream it and it survives a
 * restart. Same shape as a file stream: `write` never blocks the tool; chunks written while a
 * store write is in flight are sent together with the next one, in order. The text is already
 * redacted (runners/exec.ts redacts live output before `onOutput`).
 */
export function openJobLog(deps: Pick<JobDeps, "store" | "config" | "log">, job: Job, project: string): JobLogWriter {
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

  async function flush(): Promise<void> {
    flushing = true;
    while (pending && !full) {
      const text = pending;
      pending = "";
      try {
        if (!(await deps.store.appendJobLog({ ...base, text }, maxBytes))) full = true;
      } catch (e) {
        // The job goes on without its live log rather than failing over it; said once.
        if (!failed)
          deps.log.warn({ jobId: job.id, project, err: e instanceof Error ? e.message : String(e) }, "could not store job output");
        failed = true;
      }
    }
    flushing = false;
  }

  return {
    write(chunk) {
      if (full || !chunk) return;
      pending += chunk;
      if (!flushing) void flush();
    },
    end() {
      if (pending && !flushing) void flush();
    },
  };
}
