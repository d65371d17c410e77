import { closeSync, constants, fstatSync, openSync, readSync, realpathSync } from "node:fs";
import { isAbsolute, relative, resolve, sep } from "node:path";

/** The most Sluice itself reads of one file from a checkout (Chart.yaml, lock files, *.tf, …). */
export const CHECKOUT_FILE_MAX_BYTES = 1024 * 1024;

export type CheckoutFileProblem = "missing" | "outside" | "not-a-file" | "too-large" | "unreadable";

export type CheckoutFileRead = { ok: true; text: string } | { ok: false; problem: CheckoutFileProblem; message: string };

/** A checkout file Sluice needs but will not read; the message is fit for the PR. */
export class CheckoutFileError extends Error {
  constructor(
    message: string,
    readonly problem: CheckoutFileProblem,
  ) {
    super(message);
    this.name = "CheckoutFileError";
  }
}

/**
 * Reads a file of a checkout the way Sluice must read anything a pull request wrote: the path is
 * resolved (symlinks followed) and must stay inside the checkout, so a link to `/dev/zero` or a
 * server file is refused; it is opened without following a last-moment symlink and without
 * blocking (a FIFO would otherwise wait forever for a writer); only a regular file is read, and
 * at most `maxBytes` (more is refused, however the file grows while being read).
 *
 * `path` is relative to `root` (or absolute inside it). Never throws.
 */
export function readCheckoutFile(root: string, path: string, maxBytes = CHECKOUT_FILE_MAX_BYTES): CheckoutFileRead {
  let shown = isAbsolute(path) ? relative(root, path) || "." : path;
  const refuse = (problem: CheckoutFileProblem, why: string): CheckoutFileRead => ({ ok: false, problem, message: `\`${shown}\` ${why}` });
  let real: string;
  let realRoot: string;
  try {
    realRoot = realRootOf(root);
    // An absolute path may be given under the root's real path (a resolved project dir).
    if (isAbsolute(path) && path.startsWith(realRoot + sep)) shown = relative(realRoot, path);
    real = realpathSync.native(resolve(root, path));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return refuse("missing", "does not exist");
    if (code === "ELOOP") return refuse("outside", "is a symlink loop");
    return refuse("unreadable", `cannot be read (${code ?? "error"})`);
  }
  if (real !== realRoot && !real.startsWith(realRoot + sep)) {
    return refuse("outside", "is a symlink that leads outside the checkout; Sluice does not read it");
  }
  let fd: number;
  try {
    fd = openSync(real, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return refuse("missing", "does not exist");
    if (code === "ELOOP") return refuse("outside", "was replaced by a symlink while being read");
    return refuse("unreadable", `cannot be read (${code ?? "error"})`);
  }
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) return refuse("not-a-file", "is not a regular file (a FIFO, device, socket or directory); Sluice does not read it");
    if (info.size > maxBytes) return refuse("too-large", `is ${info.size} bytes, larger than the ${maxBytes} bytes Sluice reads`);
    // One byte more than fstat said: a file that grew since is noticed, and read on up to the cap.
    let buffer = Buffer.alloc(info.size + 1);
    let length = 0;
    for (;;) {
      if (length === buffer.length) {
        if (length > maxBytes) return refuse("too-large", `is larger than the ${maxBytes} bytes Sluice reads`);
        const bigger = Buffer.alloc(maxBytes + 1);
        buffer.copy(bigger);
        buffer = bigger;
      }
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return { ok: true, text: buffer.subarray(0, length).toString("utf8") };
  } catch (e) {
    return refuse("unreadable", `cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
  } finally {
    closeSync(fd);
  }
}

/** The last root resolved: a tree walk reads thousands of files of one checkout in a row. */
let lastRoot: { root: string; real: string } | undefined;
function realRootOf(root: string): string {
  if (lastRoot?.root !== root) lastRoot = { root, real: realpathSync.native(root) };
  return lastRoot.real;
}

/** The text of a checkout file, `undefined` when it does not exist; any other problem throws CheckoutFileError. */
export function readCheckoutFileIfExists(root: string, path: string, maxBytes = CHECKOUT_FILE_MAX_BYTES): string | undefined {
  const read = readCheckoutFile(root, path, maxBytes);
  if (read.ok) return read.text;
  if (read.problem === "missing") return undefined;
  throw new CheckoutFileError(read.message, read.problem);
}
