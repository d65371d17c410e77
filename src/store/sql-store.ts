import { errorMessage } from "../util/errors.js";
import { applyRecords } from "./apply-records.js";
import { auditOutbox } from "./audit-outbox.js";
import { auditTrail } from "./audit-trail.js";
import { consoleReads } from "./console-reads.js";
import { consoleSessions } from "./console-sessions.js";
import { liveApplyRecords } from "./live-applies.js";
import { driftIssues } from "./drift-issues.js";
import { driftSchedules } from "./drift-schedules.js";
import { jobLogs } from "./job-logs.js";
import { jobQueue } from "./job-queue.js";
import { jobReads } from "./job-reads.js";
import { jobRecovery } from "./job-recovery.js";
import { jobResults } from "./job-results.js";
import { policyRecords } from "./policy-records.js";
import { previewMethods } from "./preview-store.js";
import { prOperations } from "./pr-operations.js";
import { projectLocks } from "./project-locks.js";
import { savedPlans } from "./saved-plans.js";
import { scheduledDestroyAttemptMethods } from "./scheduled-destroy-attempts.js";
import { healRefusalMethods } from "./heal-refusals.js";
import { signingKeyMethods } from "./signing-keys.js";
import { apiTokenMethods } from "./api-tokens.js";
import { stateHoldMethods } from "./state-holds.js";
import { headPushMethods } from "./head-pushes.js";
import { repositoryMoveMethods } from "./repository-moves.js";
import { personPinMethods } from "./person-pins.js";
import type { StoreDriver } from "./store-driver.js";
import type { Store } from "./store.js";

/** The store, each aggregate written once against the database port; `driver` supplies what differs. */
export function sqlStore(driver: StoreDriver): Store {
  return {
    ...jobQueue(driver),
    ...jobReads(driver),
    ...jobRecovery(driver),
    ...savedPlans(driver),
    ...projectLocks(driver),
    ...prOperations(driver),
    ...applyRecords(driver),
    ...liveApplyRecords(driver),
    ...driftSchedules(driver),
    ...driftIssues(driver),
    ...policyRecords(driver),
    ...jobResults(driver),
    ...auditOutbox(driver),
    ...jobLogs(driver),
    ...consoleReads(driver),
    ...auditTrail(driver),
    ...consoleSessions(driver),
    ...signingKeyMethods(driver.db),
    ...apiTokenMethods(driver.db),
    ...stateHoldMethods(driver.db),
    ...headPushMethods(driver.db),
    ...repositoryMoveMethods(driver.db),
    ...previewMethods(driver.db),
    ...scheduledDestroyAttemptMethods(driver.db),
    ...healRefusalMethods(driver.db),
    ...personPinMethods(driver.db),
    runExclusive: driver.runExclusive,
    ...(driver.watchNewJobs ? { watchNewJobs: driver.watchNewJobs } : {}),
    ...(driver.anyOrphans ? { anyOrphans: driver.anyOrphans } : {}),
    async ping() {
      try {
        await driver.db.get("SELECT 1 AS ok");
        return { ok: true as const };
      } catch (e) {
        return { ok: false as const, reason: `${driver.label}: ${errorMessage(e)}` };
      }
    },
    close: () => driver.close(),
  };
}
