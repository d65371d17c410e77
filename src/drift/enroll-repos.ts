import type { InstalledRepo } from "../vcs/github/installed-repos.js";
import { repoFullName } from "../model/repo.js";
import type { Store } from "../store/store.js";

export interface EnrollOptions {
  list(): Promise<InstalledRepo[]>;
  store: Pick<Store, "enqueueInternalOnce">;
  /** The server's `repos` allowlist. */
  allowed(fullName: string): boolean;
  wake(): void;
  log: { info(obj: object, msg: string): void };
  now?: () => number;
}

/**
 * Server-wide drift schedules cover repos Sluice has not heard from yet: each installed repo gets
 * a job that reads its default branch's config and stores its schedules. Keyed by repo and hour,
 * so replicas starting together, or restarts within the hour, enroll a repo once.
 */
export async function enrollRepos(opts: EnrollOptions): Promise<number> {
  const hour = Math.floor((opts.now ?? Date.now)() / 3_600_000);
  let queued = 0;
  for (const r of await opts.list()) {
    const name = repoFullName(r.repo);
    if (!opts.allowed(name)) continue;
    const jobId = await opts.store.enqueueInternalOnce(
      `sluice-drift-enroll:${name}:${hour}`,
      { installationId: r.installationId, repo: r.repo, cloneUrl: r.cloneUrl, pr: 0 },
      { kind: "drift-schedule-sync", actor: "sluice" },
    );
    if (jobId !== undefined) queued++;
  }
  if (queued) {
    opts.log.info({ repos: queued }, "drift: installed repositories enrolled for their schedules");
    opts.wake();
  }
  return queued;
}
