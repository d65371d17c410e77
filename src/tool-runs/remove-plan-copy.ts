import { rm } from "node:fs/promises";
import type { JobLog } from "../job-context/job-deps.js";
import { errorMessage } from "../util/errors.js";

/**
 * Removes the copy of a stored plan once its apply is over. The apply's sandbox had the copy's dir
 * writable and may have left there what Sluice cannot remove (a read-only dir, for a non-root
 * Sluice): that is logged for the operator, never a reason to lose the apply's result. What is
 * left goes with the PR's plans when it closes.
 */
export async function removePlanCopy(copyDir: string, log: Pick<JobLog, "warn">): Promise<void> {
  await rm(copyDir, { recursive: true, force: true }).catch((e: unknown) =>
    log.warn({ dir: copyDir, err: errorMessage(e) }, "could not remove the copy of an applied plan (it holds the plan's sensitive values)"),
  );
}
