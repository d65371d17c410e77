/**
 * How Sluice starts git: always on its own repository (`--git-dir`, never found by looking around
 * the working dir), with a work tree only when it writes files into a fresh checkout, and with
 * every setting that could start a program or read a file of someone else's choosing pinned off.
 *
 * A run (the PR's code) can write its checkout: a `.git` dir or file, `.gitattributes`,
 * `.gitmodules`, hooks, config. None of that is ever read: git finds no repository there because
 * it is told where the repository is; config comes only from the mirror's own file (written by
 * Sluice alone; runs never see the mirror) and from the values below, never from the system's or
 * the user's config; hooks, fsmonitor, ssh commands and attribute files point nowhere. Filter and
 * textconv drivers exist only in config, so a PR's `.gitattributes` naming one starts nothing.
 * `safe.directory` needs no setting: its ownership check guards the discovery of a repository,
 * and git here never discovers one; the mirror is Sluice's own dir.
 */

/** `-c` settings in front of every git command. */
export const PINNED_CONFIG: readonly (readonly [string, string])[] = [
  ["core.fsmonitor", "false"],
  ["core.hooksPath", "/dev/null"],
  ["core.attributesFile", "/dev/null"],
  ["core.excludesFile", "/dev/null"],
  ["core.sshCommand", "/bin/false"],
  ["core.askPass", "/bin/false"],
  ["core.untrackedCache", "false"],
  ["core.splitIndex", "false"],
  ["core.protectNTFS", "true"],
  ["core.protectHFS", "true"],
  ["core.symlinks", "true"],
  ["credential.helper", ""],
  ["diff.external", ""],
  ["submodule.recurse", "false"],
  ["fetch.recurseSubmodules", "false"],
  // Only the transports Sluice clones over: no `file://`, `ext::` or ssh from a URL anyone wrote.
  ["protocol.allow", "never"],
  ["protocol.https.allow", "always"],
  ["protocol.http.allow", "always"],
  ["uploadpack.packObjectsHook", ""],
  // Worktrees are written by 4 processes at once: creating a file waits on the disk far more than
  // on a CPU (the 950 files of a 50-of-1,000-project sparse worktree: 1,100-1,380 ms with one,
  // 680-820 ms with 4 on a 2-core VM; docs/performance-history.md). Git keeps to one below 100 files.
  ["checkout.workers", "4"],
  ["gc.auto", "0"],
  // A fetch keeps the pack it received instead of writing each object as a file of its own:
  // creating files is what costs here (a 20-project PR's ~45 objects: fetches of 61-146 ms,
  // 26-44 ms as a pack, one VM). GitMirrors rolls the packs up (git-mirrors.ts).
  ["fetch.unpackLimit", "1"],
  ["maintenance.auto", "false"],
];

/** Environment every git command gets (added to the child allowlist). */
export const GIT_ENV: Readonly<Record<string, string>> = {
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_ATTR_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
  GIT_ASKPASS: "/bin/false",
  SSH_ASKPASS: "/bin/false",
  GIT_NO_REPLACE_OBJECTS: "1",
  GIT_OPTIONAL_LOCKS: "0",
  GIT_PROTOCOL_FROM_USER: "0",
  GIT_AUTHOR_NAME: "sluice",
  GIT_AUTHOR_EMAIL: "sluice@localhost",
  GIT_COMMITTER_NAME: "sluice",
  GIT_COMMITTER_EMAIL: "sluice@localhost",
};

/**
 * The argv of one git command on `gitDir`: pinned settings, the repository named, and (only for
 * writing a fresh checkout) the work tree. `gitDir` doubles as the working dir of the process.
 */
export function gitArgv(gitDir: string, args: readonly string[], workTree?: string): string[] {
  const pinned = PINNED_CONFIG.flatMap(([k, v]) => ["-c", `${k}=${v}`]);
  return [...pinned, `--git-dir=${gitDir}`, ...(workTree ? [`--work-tree=${workTree}`] : []), ...args];
}
