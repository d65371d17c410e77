import { createHash } from "node:crypto";
import { MAX_STORED_PLAN_BYTES, type PlanFile } from "../store/store.js";
import { openRegularFile } from "../util/open-regular-file.js";

export type ReadPlanFile = { ok: true; file: PlanFile } | { ok: false; reason: string };

/**
 * A new plan file as the store keeps it: its bytes and their sha256, read once, so the hash the
 * plan is recorded with is that of the bytes stored; the file is made read-only. A file over
 * `limit` keeps its hash and size only (see `planFileWarning`).
 *
 * The plan's dir was the sandbox's: what is there is read without following a symlink (a plan
 * file pointing at Sluice's own files would put them in the store) nor waiting on a FIFO.
 */
export async function readPlanFile(path: string, limit = MAX_STORED_PLAN_BYTES): Promise<ReadPlanFile> {
  const notRegular = {
    ok: false as const,
    reason: "the plan file is not a regular file (a symlink or other special file was left in its place)",
  };
  const opened = await openRegularFile(path);
  if (!opened) return notRegular;
  const { handle, size } = opened;
  try {
    await handle.chmod(0o400);
    if (size > limit) {
      const hash = createHash("sha256");
      for await (const chunk of handle.createReadStream({ start: 0, autoClose: false })) hash.update(chunk as Buffer);
      return { ok: true, file: { sha256: hash.digest("hex"), size } };
    }
    const bytes = await handle.readFile();
    return { ok: true, file: { sha256: createHash("sha256").update(bytes).digest("hex"), size: bytes.length, bytes } };
  } finally {
    await handle.close();
  }
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
