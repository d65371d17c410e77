import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseStatePull } from "./state-read-back.js";

const ERRORED_MAX = 64 * 1024 ** 2;

/**
 * The state terraform wrote beside the config when the backend refused it (`errored.tfstate`):
 * a file the run wrote, read as hostile input (a regular file, not a link, of bounded size, a
 * state by its shape), and handed to Sluice to keep before the worktree goes.
 */
export async function erroredState(dir: string): Promise<{ erroredState?: Buffer }> {
  const file = join(dir, "errored.tfstate");
  const st = await lstat(file).catch(() => undefined);
  if (!st?.isFile() || st.size > ERRORED_MAX) return {};
  const bytes = await readFile(file);
  const parsed = parseStatePull(bytes.toString("utf8"));
  return "error" in parsed ? {} : { erroredState: bytes };
}
