import { isAbsolute } from "node:path";
import { helmBinary } from "../../runners/helm/helm-binary.js";
import type { SandboxSettings } from "../../runners/sandbox/sandbox.js";
import { ConfigError, type ServerConfig } from "../config/server-config.js";

/**
 * The sandbox as the server config and the environment describe it. `SLUICE_SANDBOX_PATHS`
 * (colon-separated) adds to `sandbox_paths`; `SLUICE_BWRAP_PATH` names the bubblewrap binary.
 */
export function sandboxSettings(
  config: ServerConfig,
  files: { cliConfig: string; pluginCacheDir?: string },
  env: NodeJS.ProcessEnv = process.env,
): SandboxSettings {
  const fromEnv = (env.SLUICE_SANDBOX_PATHS ?? "").split(":").filter((p) => p.length > 0);
  const relative = fromEnv.find((p) => !isAbsolute(p));
  if (relative) throw new ConfigError(`SLUICE_SANDBOX_PATHS: ${relative} is not an absolute path`);
  return {
    mode: config.sandbox,
    bwrapPath: env.SLUICE_BWRAP_PATH || "bwrap",
    paths: [...new Set([...config.sandbox_paths, ...fromEnv])],
    limits: { memoryBytes: config.limits.memory, processes: config.limits.processes, fileSizeBytes: config.limits.file_size },
    readOnlyFiles: [files.cliConfig],
    pluginCacheDir: files.pluginCacheDir,
    toolBinaries: [config.terraform_binary, config.tofu_binary, helmBinary(config.helm_binary), config.kubectl_binary],
  };
}
