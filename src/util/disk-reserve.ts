import { constants, statfsSync } from "node:fs";
import { open, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";

/** Whether an error says the volume (or the user's quota on it) is full. */
export function isDiskFull(e: unknown): boolean {
  const err = e as { code?: unknown; message?: unknown } | undefined;
  if (err?.code === "ENOSPC" || err?.code === "EDQUOT" || err?.code === "SQLITE_FULL") return true;
  return typeof err?.message === "string" && /database or disk is full|no space left on device/i.test(err.message);
}

const CHUNK = 1024 * 1024;

/**
 * Space held back in the data dir: a file of real blocks (zeros written, not a sparse file) that
 * is given up when the volume is full, so that what must be written then (a webhook's delivery
 * and job) still fits. Written again once the volume has room for it and as much again.
 */
export class DiskReserve {
  constructor(
    private readonly file: string,
    private readonly bytes: number,
  ) {}

  async present(): Promise<boolean> {
    return stat(this.file).then(
      (s) => s.size >= this.bytes,
      () => false,
    );
  }

  /** Writes the reserve unless it is there or the volume lacks room for twice its size. */
  async ensure(): Promise<boolean> {
    if (this.bytes <= 0) return false;
    if (await this.present()) return true;
    try {
      const fs = statfsSync(dirname(this.file));
      if (fs.bavail * fs.bsize < 2 * this.bytes) return false;
    } catch {
      return false;
    }
    const handle = await open(this.file, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o600);
    try {
      const zeros = Buffer.alloc(CHUNK);
      for (let done = 0; done < this.bytes; done += CHUNK) {
        await handle.write(zeros, 0, Math.min(CHUNK, this.bytes - done));
      }
      // Blocks are allocated by the writes; durability is not needed (it is rewritten when missing).
      return true;
    } catch {
      await rm(this.file, { force: true });
      return false;
    } finally {
      await handle.close();
    }
  }

  /** Gives the reserved space up; true when there was any to give. */
  async release(): Promise<boolean> {
    const had = await stat(this.file).then(
      () => true,
      () => false,
    );
    if (had) await rm(this.file, { force: true });
    return had;
  }
}

/**
 * The reserve as the webhook endpoint uses it: given up on a full volume, and written again
 * (in the background, at most once a minute) after a delivery was stored while it is missing.
 */
export function reserveKeeper(
  reserve: DiskReserve,
  now: () => number = Date.now,
): { release(): Promise<boolean>; afterWrite(): Promise<void> } {
  let busy = false;
  let last = Number.NEGATIVE_INFINITY;
  return {
    release: () => reserve.release(),
    /** Resolves when the reserve was looked after (callers need not wait). */
    async afterWrite() {
      if (busy || now() - last < 60_000) return;
      busy = true;
      last = now();
      await reserve
        .ensure()
        .catch(() => false)
        .finally(() => {
          busy = false;
        });
    },
  };
}
