import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { applyPriorState } from "./prior-state-secret.js";

/**
 * Applies `mainTf` as another pipeline (or production before Sluice) would: terraform init and
 * apply in a scratch dir under `dir`, removed after, so only the state its backend keeps elsewhere
 * stays for Sluice to read.
 */
export async function applyOutside(dir: string, mainTf: string): Promise<void> {
  const seed = await mkdtemp(join(dir, "seed-"));
  try {
    await writeFile(join(seed, "main.tf"), mainTf);
    await applyPriorState(seed);
  } finally {
    await rm(seed, { recursive: true, force: true });
  }
}
