import { createHash } from "node:crypto";
import { join } from "node:path";
import { openRegularFile } from "../../src/util/open-regular-file.js";
import { parseStatePull } from "./state-read-back.js";

const ERRORED_MAX = 64 * 1024 ** 2;

/** The bytes of `errored.tfstate` in `dir` when it is a regular file (never through a link) of bounded size. */
async function readErrored(dir: string): Promise<Buffer | undefined> {
  const opened = await openRegularFile(join(dir, "errored.tfstate")).catch(() => undefined);
  if (!opened) return undefined;
  try {
    return opened.size > ERRORED_MAX ? undefined : await opened.handle.readFile();
  } finally {
    await opened.handle.close();
  }
}

const digest = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * What lies at `errored.tfstate` before a run starts (a file the checkout brought, or one an
 * earlier run in the same dir left and Sluice already kept): a digest, so that only a file the run
 * itself wrote is taken for its state. Undefined when there is none.
 */
export async function erroredBefore(dir: string): Promise<string | undefined> {
  const bytes = await readErrored(dir);
  return bytes && digest(bytes);
}

/**
 * The state terraform wrote beside the config when the backend refused it (`errored.tfstate`):
 * a file the run wrote, read as hostile input (a regular file, not a link, of bounded size, a
 * state by its shape), and handed to Sluice to keep before the worktree goes. A file that is
 * still the one there before the run (`before`, see erroredBefore) is not the run's.
 */
export async function erroredState(dir: string, before?: string): Promise<{ erroredState?: Buffer }> {
  const bytes = await readErrored(dir);
  if (!bytes || (before !== undefined && digest(bytes) === before)) return {};
  const parsed = parseStatePull(bytes.toString("utf8"));
  return "error" in parsed ? {} : { erroredState: bytes };
}
