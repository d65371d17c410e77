import { readlinkSync, realpathSync } from "node:fs";
import { bwrapArgv, type Mount } from "./bwrap-argv.js";
import { prlimitArgv, type SandboxLimits } from "./sandbox-limits.js";

/** How exec.ts runs one command: inside bwrap with these mounts, or (sandbox off) directly; with limits either way. */
export interface SandboxRun {
  /** Absent: the server says `sandbox: off`. */
  bwrap?: { path: string; mounts: readonly Mount[]; network: boolean };
  limits: SandboxLimits;
  /** The run's own dirs (checkout, plan dir): what `limits.diskBytes` counts, with /tmp. */
  diskDirs?: readonly string[];
}

export interface SandboxCommand {
  file: string;
  args: string[];
  /** Set over the child's environment. */
  env: Record<string, string>;
}

/**
 * The command to spawn for `file args` in `run` (pure). `writable` turns mounts with these
 * targets writable for this one command (the plugin cache during a serialized download), or adds
 * them.
 */
export function sandboxCommand(
  run: SandboxRun,
  file: string,
  args: readonly string[],
  cwd: string,
  writable: readonly string[] = [],
): SandboxCommand {
  const inner = [...prlimitArgv(run.limits), file, ...args];
  if (!run.bwrap) return { file: inner[0] as string, args: inner.slice(1), env: {} };
  const mounts = run.bwrap.mounts.map((m) => (writable.includes(m.target) ? { ...m, writable: true } : m));
  for (const path of writable) {
    if (!mounts.some((m) => m.target === path)) mounts.push({ source: path, target: path, writable: true });
  }
  return {
    file: run.bwrap.path,
    args: bwrapArgv({ mounts, network: run.bwrap.network, cwd, tmpSizeBytes: run.limits.memoryBytes }, inner),
    // Sluice's home and temp dir are not in the sandbox; tools that cache under them get the private /tmp.
    env: { HOME: "/tmp", TMPDIR: "/tmp" },
  };
}

/**
 * Mounts with their sources resolved on the host at spawn time (a symlinked data dir, a run's
 * dir made just before). A source that does not exist is skipped by bwrap rather than failing
 * the run: a missing `sandbox_paths` entry is reported at startup.
 */
export function resolveMounts(mounts: readonly Mount[]): Mount[] {
  const resolved = mounts.map((m) => {
    try {
      // realpath(3), not Node's walk with an lstat per path component: this runs at every spawn.
      return { ...m, source: realpathSync.native(m.source) };
    } catch {
      return { ...m, optional: true };
    }
  });
  return resolved.map((m, i) => {
    const original = mounts[i] as Mount;
    // A read-only path that is a host symlink into another read-only mount (merged /usr): the same link.
    if (m.writable || original.source !== original.target || m.source === original.source) return m;
    const shownBy = resolved.some(
      (o) => o !== m && !o.writable && o.source === o.target && (m.source === o.target || m.source.startsWith(`${o.target}/`)),
    );
    if (!shownBy) return m;
    try {
      return { ...m, symlink: readlinkSync(original.source) };
    } catch {
      return m;
    }
  });
}
