import { closeSync, constants, fstatSync, openSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

/** No symlink followed, no wait on a FIFO for a writer. */
const FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * Opens a file a sandboxed run may have left in its place: without following a symlink there,
 * without waiting on a FIFO for a writer, and only when it is a regular file (undefined when it
 * is not; the handle is then closed). Other failures (ENOENT, EACCES, …) are thrown as they are.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; size: number } | undefined> {
  const handle = await open(path, FLAGS).catch((e: unknown) => {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") return undefined;
    throw e;
  });
  if (!handle) return undefined;
  const st = await handle.stat().catch(async (e: unknown) => {
    await handle.close();
    throw e;
  });
  if (st.isFile()) return { handle, size: st.size };
  await handle.close();
  return undefined;
}

/**
 * openRegularFile with a file descriptor, on the calling thread: for the job thread's reads of a
 * plan file, where each call through libuv's pool cost more than the read itself (see
 * docs/performance-history.md). Neither flag lets the open wait.
 */
export function openRegularFileSync(path: string): { fd: number; size: number } | undefined {
  let fd: number;
  try {
    fd = openSync(path, FLAGS);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (st.isFile()) return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  closeSync(fd);
  return undefined;
}
