/** A project of the base branch, as far as who it is goes. */
export interface BaseProject {
  name: string;
  dir: string;
  workspace: string;
}

/**
 * Who a project is for every trusted lookup (permissions, windows and freezes, credentials,
 * requirements, network, policies, previews, drift): the base branch's project on the same dir
 * and workspace, never a name, dir or file the pull request chose.
 *
 * - `known`: the base branch has a project there; its name is the identity.
 * - `new`: the base branch has none there: only repository-wide rules cover it, and credentials
 *   come from the server's `new_projects` alone.
 * - `ambiguous`: the base branch has several projects there and the PR's name is none of them;
 *   nothing runs (which one was meant cannot be told).
 */
export type TrustedIdentity = (
  | { kind: "known"; repo: string; name: string; dir: string; workspace: string }
  | { kind: "new"; repo: string; dir: string; workspace: string }
  | { kind: "ambiguous"; repo: string; names: string[]; dir: string; workspace: string }
) & {
  /**
   * Names the repository had before GitHub renamed or transferred it: a server rule that
   * restricts (permissions, windows, freezes, network) and names it by one of them still holds
   * it, or renaming a repository would be a way out of its freeze.
   */
  formerRepos?: readonly string[];
};
