import { existsSync, realpathSync } from "node:fs";
import { delimiter, dirname, isAbsolute, join, resolve } from "node:path";
import type { ExecOptions, ExecResult } from "../exec.js";
import type { Exec } from "../runner.js";
import { type Mount, SYSTEM_PATHS, systemMounts } from "./bwrap-argv.js";
import type { SandboxRun } from "./sandbox-command.js";
import type { SandboxLimits } from "./sandbox-limits.js";
import { errorMessage } from "../../src/util/errors.js";

export interface SandboxSettings {
  mode: "on" | "off";
  /** `SLUICE_BWRAP_PATH`, else `bwrap` on PATH. */
  bwrapPath: string;
  /** `sandbox_paths` and `SLUICE_SANDBOX_PATHS`: host paths every run may read and write. */
  paths: readonly string[];
  /**
   * Sluice's own dirs (the data dir, the worktrees' dir): what a run writes there goes with what
   * Sluice removes (plans, worktrees), sandbox or not.
   */
  sluiceDirs?: readonly string[];
  limits: SandboxLimits;
  /** Files every run reads (Sluice's own empty terraform CLI config). */
  readOnlyFiles: readonly string[];
  /** The shared provider cache: read-only, writable only for a download under its lock. */
  pluginCacheDir?: string;
  /** Tool binaries from the server config; dirs outside the system paths are mounted read-only. */
  toolBinaries: readonly string[];
}

/** What one run may see besides the system and the operator's paths. */
export interface RunScope {
  /** The checkout and the run's own data dir. */
  writable: readonly string[];
  /** The base checkout of a diff, the repo's kubeconfig. */
  readable: readonly string[];
  network: "on" | "none";
}

export type SandboxStatus = { mode: "on"; ok: true } | { mode: "on"; ok: false; reason: string } | { mode: "off" };

export interface Sandbox {
  status: SandboxStatus;
  /** The exec every tool of a run goes through, or why no tool may run. */
  execFor(scope: RunScope): { ok: true; exec: Exec } | { ok: false; reason: string };
  /** Operator-facing problems found at startup (missing `sandbox_paths`). */
  warnings: string[];
  /** Host paths whose writes outlive a run (`sandbox_paths`): the rest of what a run writes goes with its sandbox. */
  keptPaths: readonly string[];
  /** See SandboxSettings.sluiceDirs: never where a state is kept. */
  sluiceDirs: readonly string[];
}

type RawExec = (file: string, args: string[], opts: ExecOptions) => Promise<ExecResult>;

const underSystem = (p: string) => SYSTEM_PATHS.some((s) => p === s || p.startsWith(`${s}/`));

/** Where a binary is on the host: a path as given, or the first match on PATH. */
export function findBinary(name: string, path = process.env.PATH ?? ""): string | undefined {
  if (name.includes("/")) return existsSync(name) ? resolve(name) : undefined;
  for (const dir of path.split(delimiter)) {
    if (dir && isAbsolute(dir) && existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

/** Read-only mounts for the dirs of tool binaries not already under the system paths. */
export function toolMounts(binaries: readonly string[], find = findBinary): Mount[] {
  const mounts: Mount[] = [];
  for (const name of binaries) {
    const found = find(name);
    if (!found) continue;
    let real: string;
    try {
      real = realpathSync(found);
    } catch {
      continue;
    }
    for (const dir of new Set([dirname(found), dirname(real)])) {
      if (underSystem(dir) || mounts.some((m) => m.target === dir)) continue;
      mounts.push({ source: dir, target: dir, writable: false });
    }
  }
  return mounts;
}

export const NO_SANDBOX_REASON =
  "the sandbox (bubblewrap) cannot start on this server, so Sluice runs no tools; the operator must fix it (see /readyz) or set `sandbox: off`";

/**
 * Probes bubblewrap once (a run of `true` with the same flags and limits every run gets) and
 * hands out the sandboxed exec. With `sandbox: off` tools run directly, under the limits still.
 */
export async function createSandbox(settings: SandboxSettings, exec: RawExec): Promise<Sandbox> {
  const warnings = settings.paths.filter((p) => !existsSync(p)).map((p) => `sandbox path ${p} does not exist; runs will not see it`);
  const base: Mount[] = [
    ...systemMounts(),
    ...toolMounts(settings.toolBinaries),
    ...settings.readOnlyFiles.map((f) => ({ source: f, target: f, writable: false })),
    ...(settings.pluginCacheDir ? [{ source: settings.pluginCacheDir, target: settings.pluginCacheDir, writable: false }] : []),
    ...settings.paths.map((p) => ({ source: p, target: p, writable: true })),
  ];
  const runFor = (scope: RunScope): SandboxRun => ({
    limits: settings.limits,
    diskDirs: scope.writable,
    bwrap:
      settings.mode === "on"
        ? {
            path: settings.bwrapPath,
            network: scope.network === "on",
            mounts: [
              ...base,
              ...scope.readable.map((p) => ({ source: p, target: p, writable: false })),
              ...scope.writable.map((p) => ({ source: p, target: p, writable: true })),
            ],
          }
        : undefined,
  });
  const status = settings.mode === "off" ? ({ mode: "off" } as const) : await probe(settings, runFor, exec);
  return {
    status,
    warnings,
    keptPaths: settings.paths,
    sluiceDirs: settings.sluiceDirs ?? [],
    execFor(scope) {
      if (status.mode === "on" && !status.ok) return { ok: false, reason: NO_SANDBOX_REASON };
      const sandbox = runFor(scope);
      const run: Exec = (file, args, opts) => exec(file, args, { ...opts, sandbox });
      return { ok: true, exec: Object.assign(run, { isolated: sandbox.bwrap !== undefined }) };
    },
  };
}

async function probe(settings: SandboxSettings, runFor: (scope: RunScope) => SandboxRun, exec: RawExec): Promise<SandboxStatus> {
  const sandbox = runFor({ writable: [], readable: [], network: "none" });
  try {
    const r = await exec("true", [], { cwd: "/", sandbox, timeoutMs: 30_000 });
    if (r.exitCode === 0) return { mode: "on", ok: true };
    const why = (r.stderr || r.stdout).trim().split("\n").slice(-3).join(" ");
    return { mode: "on", ok: false, reason: `${settings.bwrapPath} failed (exit ${r.exitCode ?? r.signal}): ${why || "no message"}` };
  } catch (e) {
    return { mode: "on", ok: false, reason: errorMessage(e) };
  }
}
