import { createHash } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { MAX_STORED_PLAN_BYTES, type PlanFile } from "../store/store.js";
import { hashFile } from "../workspace/hash-file.js";

/**
 * A new plan file as the store keeps it: its bytes and their sha256, read once, so the hash the
 * plan is recorded with is that of the bytes stored. A file over `limit` keeps its hash and size
 * only (see `planFileWarning`).
 */
export async function readPlanFile(path: string, limit = MAX_STORED_PLAN_BYTES): Promise<PlanFile> {
  const { size } = await stat(path);
  if (size > limit) return { sha256: await hashFile(path), size };
  const bytes = await readFile(path);
  return { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, bytes };
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** What users are told of a plan file too large to keep in the store; nothing when it was kept. */
export function planFileWarning(file: PlanFile, limit = MAX_STORED_PLAN_BYTES): string | undefined {
  if (file.bytes) return undefined;
  return `the plan file is ${mib(file.size)}, over the ${mib(limit)} Sluice keeps in its store: only the Sluice replica that made it can apply it`;
}

/** Why a plan file that is neither on this replica nor in the store cannot be applied here. */
export function notHereReason(file: PlanFile | undefined, limit = MAX_STORED_PLAN_BYTES): string {
  if (file && !file.bytes) {
    return `the saved plan file (${mib(file.size)}) is over the ${mib(limit)} Sluice keeps in its store, so only the replica that made it can apply it, and this replica did not`;
  }
  return "the saved plan file is missing: it is not on this replica, and the store has no copy of it";
}
