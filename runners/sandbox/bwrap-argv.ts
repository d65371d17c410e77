/**
 * The bubblewrap command line for one tool run (pure: the exact argv is unit-tested).
 *
 * Every namespace is new (user, mount, PID, IPC, UTS, cgroup, and network unless the run keeps
 * it); the run is uid/gid 65534 with no capabilities and may not make user namespaces of its
 * own; it dies with Sluice and gets its own session (no TIOCSTI into a terminal). The file system
 * is empty but for what is listed: system dirs read-only, a fresh /proc of its own PID namespace
 * (Sluice's processes are not in it), a minimal read-only /dev, a private /tmp and /dev/shm, and
 * the mounts of the run.
 *
 * The environment is not in argv (`--setenv` values would show in /proc/PID/cmdline to every user
 * of the host): bwrap is started with the already allowlisted environment and passes it on.
 */
export interface Mount {
  /** Host path (symlinks resolved). */
  source: string;
  /** Path inside the sandbox: where the tools look for it (often the same). */
  target: string;
  writable: boolean;
  /** Skipped when the source does not exist (system paths that vary between distributions). */
  optional?: boolean;
  /**
   * Made as this symlink instead of a bind (`/bin` -> `usr/bin` on a merged-/usr system): the
   * link's target is visible through another mount, and a symlink costs the sandbox's start less
   * than a bind mount does.
   */
  symlink?: string;
}

export interface BwrapSpec {
  mounts: readonly Mount[];
  /** Keep the host's network (default for runs: providers need their APIs). */
  network: boolean;
  /** Working directory inside the sandbox; must be under a mount. */
  cwd: string;
  /**
   * Size of the private /tmp and /dev/shm (each a tmpfs: its pages are memory). Set to the run's
   * memory limit, so that files there cannot hold more than the limit allows (the watcher counts
   * them too).
   */
  tmpSizeBytes?: number;
}

export const SANDBOX_UID = 65534;

/**
 * System paths every run sees read-only. /usr holds /usr/local/bin (terraform); /etc only the
 * parts tools need to resolve names, verify TLS and find users (not /etc as a whole: it can hold
 * the server config and credentials).
 */
export const SYSTEM_PATHS = [
  "/usr",
  "/bin",
  "/sbin",
  "/lib",
  "/lib32",
  "/lib64",
  "/etc/alternatives",
  "/etc/ssl",
  "/etc/ca-certificates",
  "/etc/pki",
  "/etc/resolv.conf",
  "/etc/hosts",
  "/etc/nsswitch.conf",
  "/etc/host.conf",
  "/etc/gai.conf",
  "/etc/passwd",
  "/etc/group",
  "/etc/localtime",
  "/etc/mime.types",
] as const;

export function systemMounts(paths: readonly string[] = SYSTEM_PATHS): Mount[] {
  return paths.map((p) => ({ source: p, target: p, writable: false, optional: true }));
}

const depth = (p: string) => p.split("/").filter(Boolean).length;

export function bwrapArgv(spec: BwrapSpec, command: readonly string[]): string[] {
  const argv = [
    "--unshare-all",
    "--unshare-user",
    "--disable-userns",
    ...(spec.network ? ["--share-net"] : []),
    "--die-with-parent",
    "--new-session",
    "--uid",
    String(SANDBOX_UID),
    "--gid",
    String(SANDBOX_UID),
    "--hostname",
    "sluice-sandbox",
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    // bubblewrap's /dev is a tmpfs of its own, as large as the host's memory allows and measured
    // by no limit: files there (in /dev/shm above all) were memory past the run's. So /dev/shm is
    // a tmpfs sized and measured as /tmp is, and /dev itself read-only (its devices stay usable).
    // --size applies to the next --tmpfs only (bubblewrap 0.5 and later).
    ...(spec.tmpSizeBytes ? ["--size", String(spec.tmpSizeBytes)] : []),
    "--tmpfs",
    "/dev/shm",
    "--remount-ro",
    "/dev",
    ...(spec.tmpSizeBytes ? ["--size", String(spec.tmpSizeBytes)] : []),
    "--tmpfs",
    "/tmp",
  ];
  // Parents before children: a read-only file inside a writable dir stays read-only.
  const ordered = spec.mounts
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m.target) - depth(b.m.target) || a.i - b.i)
    .map(({ m }) => m);
  for (const m of ordered) {
    if (m.symlink !== undefined) {
      argv.push("--symlink", m.symlink, m.target);
      continue;
    }
    const flag = `--${m.writable ? "" : "ro-"}bind${m.optional ? "-try" : ""}`;
    argv.push(flag, m.source, m.target);
  }
  // The root bwrap builds the mounts on is a tmpfs the run's user owns: left writable, a tool
  // writing anywhere but its mounts (a local state whose path is not mounted) would succeed into
  // a file that vanishes with the sandbox. Read-only, the write fails where the tool can say so.
  // Only the root mount is remounted: the writable binds under it stay writable.
  argv.push("--remount-ro", "/", "--chdir", spec.cwd, "--", ...command);
  return argv;
}
