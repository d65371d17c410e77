import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Sluice's own checkout (where `npx tsx scripts/install-helm.ts` puts `.tools/bin/helm`): the
 * nearest folder with a package.json above this file, so it is the same from the TypeScript
 * sources and from the compiled `dist/runners/helm/`.
 */
export const REPO_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "package.json"))) return dir;
    if (dirname(dir) === dir) return from;
  }
}

export function toolsBinPath(tool: "helm" | "kubectl", repoRoot: string = REPO_ROOT): string {
  return join(repoRoot, ".tools", "bin", tool);
}

export function toolsHelmPath(repoRoot: string = REPO_ROOT): string {
  return toolsBinPath("helm", repoRoot);
}

/**
 * kubectl as helm: the configured binary when one other than the default is set; else
 * `.tools/bin/kubectl` when the setup put one there; else `kubectl` on PATH.
 */
export function kubectlBinary(configured?: string, repoRoot: string = REPO_ROOT): string {
  if (configured && configured !== "kubectl") return configured;
  const tools = toolsBinPath("kubectl", repoRoot);
  return existsSync(tools) ? tools : "kubectl";
}

/** The configured binary; else `.tools/bin/helm` when the installer put one there; else `helm` on PATH. */
export function helmBinary(configured?: string, repoRoot: string = REPO_ROOT): string {
  if (configured) return configured;
  const tools = toolsHelmPath(repoRoot);
  return existsSync(tools) ? tools : "helm";
}
