import type { PreviewKey, PreviewRecord } from "../model/preview.js";

/**
 * Pull requests' previews: what is live where, for the jobs that apply and destroy them, the sweep
 * that finds the forgotten ones, and the console. One row per repo, PR and project; a destroyed
 * preview keeps its row (its last result) until the PR's preview is applied again.
 */
export interface PreviewStore {
  savePreview(preview: PreviewRecord): Promise<void>;
  /** The previews of one repository (and pull request), every status. */
  previewsOf(repo: string, pr?: number): Promise<PreviewRecord[]>;
  /** Every preview not yet destroyed, in every repository: the sweep's and the console's list. */
  activePreviews(): Promise<PreviewRecord[]>;
  getPreview(key: PreviewKey): Promise<PreviewRecord | undefined>;
}

/** Live previews of a repository besides those of `pr`: what `max_previews` counts. */
export function previewsCounted(all: readonly PreviewRecord[], pr: number): number {
  return new Set(all.filter((p) => p.pr !== pr && p.status !== "destroyed").map((p) => p.pr)).size;
}
