/**
 * Who pushed a pull request's head commit, as GitHub told Sluice (the `sender` of the
 * `pull_request.synchronize` that moved the PR to it). GitHub's "approval of the most recent
 * push" rule: an approval by that pusher is not a second pair of eyes on what they pushed.
 */
export type HeadPush =
  /** Every login a push of this commit to this PR was heard from (a force-push back may add one). */
  | {
      sha: string;
      known: true;
      pushers: readonly string[];
      /** Their GitHub account ids, where the event gave one: a login renamed since is still the pusher. */
      pusherIds?: readonly number[];
    }
  /**
   * No push of this commit was heard of (the PR was opened with it, its event was lost, it
   * predates Sluice): the commit's author and committer on GitHub stand in for its pusher.
   */
  | { sha: string; known: false; standIns: readonly string[] };

/** Who moved a branch to a commit, and when last, as GitHub's repository activity lists it. */
export interface BranchPushes {
  pushers: readonly { login: string; id: number }[];
  pushedAt: string;
}

export interface HeadPushStore {
  /**
   * Records that `pusher` pushed `sha` as the head of a pull request (kept once per login, with
   * the latest time it was pushed: `pushedAt` from GitHub, else now).
   */
  recordHeadPush(repo: string, pr: number, sha: string, pusher: string, pushedAt?: string, pusherId?: number): Promise<void>;
  /** When `sha` was last pushed as the head of the pull request, as far as Sluice heard; undefined: never heard. */
  headPushedAt(repo: string, pr: number, sha: string): Promise<string | undefined>;
  /**
   * Whether another head of the pull request was heard pushed after `sha`'s latest heard push, or
   * in the same second (GitHub's times are whole seconds): `sha` being its head again then may be
   * a push back Sluice did not hear (yet).
   */
  headMovedAwaySince(repo: string, pr: number, sha: string): Promise<boolean>;
  /** When another head than `sha` of the pull request was last heard pushed; undefined: none. */
  otherHeadPushedAt(repo: string, pr: number, sha: string): Promise<string | undefined>;
  /**
   * The logins that pushed `sha` as the head of the pull request (`pr` undefined: of any pull
   * request of the repository), in the order first heard.
   */
  headPushers(repo: string, pr: number | undefined, sha: string): Promise<string[]>;
  /** The GitHub account ids of those pushers, where their events gave one. */
  headPusherIds(repo: string, pr: number | undefined, sha: string): Promise<number[]>;
  /** Those pushers of the pull request's `sha`, each with the account id its event gave (none: an older version heard it). */
  headPusherAccounts(repo: string, pr: number, sha: string): Promise<{ login: string; id?: number }[]>;
  /**
   * Forgets every push of a pull request: once it is merged (it cannot be reopened, and its
   * plans are gone) no decision reads them again. Returns how many were forgotten.
   */
  forgetHeadPushes(repo: string, pr: number): Promise<number>;
}

/**
 * Whether `user` is, or stands in for, the pusher of the head: their approval does not count. By
 * account id where both are known (a login is renamed at will, an id never), else by login.
 */
export function pushedHead(push: HeadPush | undefined, user: string, userId?: number): boolean {
  if (!push) return false;
  if (push.known && userId !== undefined && push.pusherIds?.includes(userId)) return true;
  const logins = push.known ? push.pushers : push.standIns;
  return logins.some((l) => l.toLowerCase() === user.toLowerCase());
}

/** The refusal's words for approvals that did not count because their givers pushed the head. */
export function headPushNote(push: HeadPush, users: readonly string[]): string {
  const who = users.map((u) => `@${u}`).join(", ");
  const sha = push.sha.slice(0, 7);
  const rule = "an approval of the most recent push must come from someone else";
  return push.known
    ? `${who} pushed the head commit ${sha}; ${rule}`
    : `no push of the head commit ${sha} was heard of, so its author and committer stand in for its pusher: ${who}; ${rule}`;
}
