import type { SimState } from "./sim-state.js";

export interface AppInfo {
  id: number;
  slug: string;
  name: string;
  installationId: number;
  /** `<slug>[bot]`: the account the app acts as with an installation token. */
  botLogin: string;
  owner: string;
  /**
   * What the installation granted (default: app.yml's `default_permissions`, as a fresh install
   * of Sluice's manifest). Calls with an installation token that need more get GitHub's 403.
   */
  permissions: Record<string, string>;
}

/** What rendering needs: where the fake GitHub lives and who is who. */
export interface ShapeCtx {
  web: string;
  api: string;
  state: SimState;
  app: AppInfo;
}

/** Facts about a PR that come from git, computed by the caller. */
export interface PullFacts {
  baseSha: string;
  mergeable: boolean | null;
  mergeableState: string;
  commits: number;
  additions: number;
  deletions: number;
  changedFiles: number;
}
