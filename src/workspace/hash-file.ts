import { createHash } from "node:crypto";
import { openRegularFile } from "../util/open-regular-file.js";

/**
 * sha256 of a file's bytes, hex. The file may be one a run wrote (a saved plan in its data dir):
 * it is opened carefully (no symlink followed, no FIFO waited on) and must be a regular file.
 */
export async function hashFile(path: string): Promise<string> {
  const opened = await openRegularFile(path);
  if (!opened) throw Object.assign(new Error(`${path} is not a regular file`), { code: "EINVAL" });
  const hash = createHash("sha256");
  try {
    for await (const chunk of opened.handle.createReadStream({ start: 0, autoClose: false })) hash.update(chunk as Buffer);
  } finally {
    await opened.handle.close();
  }
  return hash.digest("hex");
}
