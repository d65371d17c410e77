import type { Store } from "../store/store.js";

/**
 * Whether a project's newest apply on the live record is this pull request's (its `/apply`, or its
 * merge's). One it made and that another pull request's apply replaced since (its lock let go in
 * between) is no longer what is live: the changes it applied may be gone from the project.
 */
export async function newestApplyIsPrs(
  store: Pick<Store, "liveApplies">,
  repo: string,
  /** The project's recorded name (RepoSettings.recordNameOf), as its applies are recorded. */
  recordedAs: string,
  pr: number,
): Promise<boolean> {
  const [newest] = await store.liveApplies(repo, recordedAs);
  return (newest?.source === "pr" || newest?.source === "merge") && newest.number === pr;
}
