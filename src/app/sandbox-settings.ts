import { realpathSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { helmBinary, kubectlBinary } from "../../runners/helm/helm-binary.js";
import type { SandboxSettings } from "../../runners/sandbox/sandbox.js";
import { ConfigError, type ServerConfig } from "../config/server-config.js";

/**
 * The sandbox as the server config and the environment describe it. `SLUICE_SANDBOX_PATHS`
 * (colon-separated) adds to `sandbox_paths`; `SLUICE_BWRAP_PATH` names the bubblewrap binary.
 */
export function sandboxSettings(
  config: ServerConfig,
  files: { dataDir: string; cliConfig: string; pluginCacheDir?: string; worktreeRoot?: string },
  env: NodeJS.ProcessEnv = process.env,
): SandboxSettings {
  const fromEnv = (env.SLUICE_SANDBOX_PATHS ?? "").split(":").filter((p) => p.length > 0);
  const notAbsolute = fromEnv.find((p) => !isAbsolute(p));
  if (notAbsolute) throw new ConfigError(`SLUICE_SANDBOX_PATHS: ${notAbsolute} is not an absolute path`);
  const paths = [...new Set([...config.sandbox_paths, ...fromEnv])];
  // A path that holds the data dir, or lies in it, would hand every run the store and other PRs' plans;
  // one over the worktrees (SLUICE_WORKTREE_DIR), every other PR's files.
  // Compared as written and as resolved on disk: a run mounts what a path's symlinks lead to
  // (resolveMounts), so a link to the data dir's disk, or a data dir that is itself a link, overlaps too.
  const inside = (x: string, y: string) => !relative(x, y).startsWith("..") && !isAbsolute(relative(x, y));
  const overlaps = (a: string, b: string) => inside(a, b) || inside(b, a);
  const hidden = [
    { dir: files.dataDir, what: "the data dir" },
    ...(files.worktreeRoot && files.worktreeRoot !== files.dataDir ? [{ dir: files.worktreeRoot, what: "the worktrees' dir" }] : []),
  ];
  for (const { dir, what } of hidden) {
    const overlapping = paths.find((p) => overlaps(resolve(p), resolve(dir)) || overlaps(onDisk(p), onDisk(dir)));
    if (overlapping) throw new ConfigError(`sandbox_paths: ${overlapping} overlaps ${what} ${dir}; runs must not see it`);
  }
  return {
    mode: config.sandbox,
    bwrapPath: env.SLUICE_BWRAP_PATH || "bwrap",
    paths,
    sluiceDirs: hidden.map((h) => h.dir),
    limits: {
      memoryBytes: config.limits.memory,
      processes: config.limits.processes,
      fileSizeBytes: config.limits.file_size,
      diskBytes: config.limits.disk,
    },
    readOnlyFiles: [files.cliConfig],
    pluginCacheDir: files.pluginCacheDir,
    toolBinaries: [
      config.terraform_binary,
      config.tofu_binary,
      helmBinary(config.helm_binary),
      kubectlBinary(config.kubectl_binary),
      config.terragrunt_binary,
      ...(config.policies ? [config.policies.conftest_binary] : []),
    ],
  };
}

/**
 * Where a path leads on disk: its symlinks resolved, those of its nearest existing parent for a
 * path not made yet (a link there would lead it wherever the link does once it is made).
 */
function onDisk(path: string): string {
  const full = resolve(path);
  try {
    return realpathSync(full);
  } catch {
    const parent = dirname(full);
    return parent === full ? full : join(onDisk(parent), basename(full));
  }
}
