import { constants } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

/**
 * Opens a file a sandboxed run may have left in its place: without following a symlink there,
 * without waiting on a FIFO for a writer, and only when it is a regular file (undefined when it
 * is not; the handle is then closed). Other failures (ENOENT, EACCES, …) are thrown as they are.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; size: number } | undefined> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch((e: unknown) => {
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
