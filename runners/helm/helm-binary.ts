import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Sluice's own checkout (where `npx tsx runners/helm/install-helm.ts` puts `.tools/bin/helm`). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export function toolsHelmPath(repoRoot: string = REPO_ROOT): string {
  return join(repoRoot, ".tools", "bin", "helm");
}

/** The configured binary; else `.tools/bin/helm` when the installer put one there; else `helm` on PATH. */
export function helmBinary(configured?: string, repoRoot: string = REPO_ROOT): string {
  if (configured) return configured;
  const tools = toolsHelmPath(repoRoot);
  return existsSync(tools) ? tools : "helm";
}
