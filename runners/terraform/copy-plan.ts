import { createWriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { openRegularFile } from "../../src/util/open-regular-file.js";

/** Plan files up to this size are copied through memory. */
const WHOLE_READ_BYTES = 16 * 1024 * 1024;

/** Past this size a plan file is not copied (a run that keeps writing one must not fill the disk). */
const MAX_PLAN_BYTES = 4 * 1024 ** 3;

/**
 * Copies the plan file the run left as the regular file it is at this moment (a symlink, FIFO or
 * device is refused: the copy is made on the host); returns why not, or undefined.
 */
export async function copyPlan(from: string, to: string): Promise<string | undefined> {
  const notRegular = "the plan file the plan step left is not a regular file";
  let opened: Awaited<ReturnType<typeof openRegularFile>>;
  try {
    opened = await openRegularFile(from);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return "the plan step made no plan file";
    return `the plan file could not be read (${code ?? "error"})`;
  }
  if (!opened) return notRegular;
  const { handle, size } = opened;
  try {
    if (size > MAX_PLAN_BYTES) return `the plan file is larger than ${MAX_PLAN_BYTES / 1024 ** 3} GiB`;
    if (size === 0) return "the plan file the plan step left is empty";
    if (size <= WHOLE_READ_BYTES) {
      // The run waits for this copy: one read and one write instead of a stream's round trips.
      const bytes = Buffer.allocUnsafe(size);
      let got = 0;
      for (let n = -1; got < size && n !== 0; got += n) n = (await handle.read(bytes, got, size - got, got)).bytesRead;
      await writeFile(to, bytes.subarray(0, got), { flag: "wx", mode: 0o600 });
      return undefined;
    }
    await pipeline(
      handle.createReadStream({ start: 0, end: size - 1, autoClose: false }),
      createWriteStream(to, { flags: "wx", mode: 0o600 }),
    );
    return undefined;
  } catch (e) {
    return `the plan file could not be copied (${(e as NodeJS.ErrnoException).code ?? "error"})`;
  } finally {
    await handle.close();
  }
}
