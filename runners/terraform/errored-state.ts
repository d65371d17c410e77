import { createHash } from "node:crypto";
import { lstat, rm } from "node:fs/promises";
import { join } from "node:path";
import { openRegularFile } from "../../src/util/open-regular-file.js";
import { type PrintedState, PRINTED_STATE_MAX } from "../withheld-state.js";
import { parseStatePull } from "./state-scanner.js";

const ERRORED_MAX = 64 * 1024 ** 2;

type Read = { bytes: Buffer } | { problem: string } | undefined;

const mib = (n: number) => `${(n / 1024 ** 2).toFixed(1)} MiB`;

/** `errored.tfstate` in `dir` when it is a regular file (never through a link) of bounded size; else why not, or nothing there. */
async function readErrored(dir: string): Promise<Read> {
  const opened = await openRegularFile(join(dir, "errored.tfstate")).catch((e: NodeJS.ErrnoException) =>
    e.code === "ENOENT" ? undefined : { problem: `it could not be opened (${e.code ?? "error"})` },
  );
  if (opened === undefined) {
    // Nothing there, or a symlink, FIFO or dir in its place (openRegularFile says undefined for both).
    const st = await lstat(join(dir, "errored.tfstate")).catch(() => undefined);
    return st ? { problem: "it is not a regular file (a symlink or special file is in its place): Sluice does not read it" } : undefined;
  }
  if ("problem" in opened) return opened;
  try {
    if (opened.size > ERRORED_MAX) return { problem: `it is ${mib(opened.size)}, over the ${mib(ERRORED_MAX)} Sluice keeps` };
    return { bytes: await opened.handle.readFile() };
  } finally {
    await opened.handle.close();
  }
}

const digest = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/**
 * What lies at `errored.tfstate` before a run starts (a file the checkout brought, or one an
 * earlier run in the same dir left and Sluice already kept): a digest, so that only a file the run
 * itself wrote is taken for its state. Undefined when there is none (or none Sluice reads).
 */
export async function erroredBefore(dir: string): Promise<string | undefined> {
  const read = await readErrored(dir);
  if (read && "bytes" in read) return digest(read.bytes);
  // A symlink (to /dev/null, to a file outside), a dir or a FIFO in its place (a checkout can bring
  // a link, a dir): terraform would write the state it could not save through it, or fail to and
  // print it into the run's output (which a comment shows). Not the run's: removed, so that
  // terraform makes a regular file Sluice keeps.
  if (read) await rm(join(dir, "errored.tfstate"), { force: true, recursive: true });
  return undefined;
}

/**
 * The state terraform wrote beside the config when the backend refused it (`errored.tfstate`):
 * a file the run wrote, read as hostile input (a regular file, not a link, of bounded size, a
 * state by its shape), and handed to Sluice to keep before the worktree goes. A file that is
 * still the one there before the run (`before`, see erroredBefore) is not the run's. One Sluice
 * cannot keep is said (`problem`), never dropped in silence: it goes with the worktree.
 */
export async function erroredState(dir: string, before?: string): Promise<{ erroredState?: Buffer; problem?: string }> {
  const read = await readErrored(dir);
  if (!read) return {};
  const lost = (why: string) => ({
    problem: `Terraform left errored.tfstate (a state it could not save), but Sluice could not keep it: ${why}. It is removed with the worktree: recover the state from the run's output or by hand before anything applies this project again`,
  });
  if ("problem" in read) return lost(read.problem);
  if (before !== undefined && digest(read.bytes) === before) return {};
  const parsed = parseStatePull(read.bytes.toString("utf8"));
  return "error" in parsed
    ? lost(`it is not a Terraform state (${parsed.error.replace(/^the backend's answer /, "")})`)
    : { erroredState: read.bytes };
}

/** A failure's message and what it leaves to keep: the errored state, or why it could not be kept, said with the message. */
export function withErrored<T extends { message: string }>(
  failure: T,
  errored: { erroredState?: Buffer; problem?: string },
): T & { erroredState?: Buffer } {
  const message = errored.problem ? `${failure.message}. ${errored.problem}` : failure.message;
  return { ...failure, message, ...(errored.erroredState ? { erroredState: errored.erroredState } : {}) };
}

/** Terraform's title for the error that follows a state it printed because it could save it nowhere. */
const PRINTED_FALLBACK = "Failed to persist state to backend";
/** Terraform's titles for the errors that open its last words on a state its backend refused. */
const SAVE_FAILED = "Failed to save state";
/** ...and for the one between them when it could write no errored.tfstate either (so it printed the state). */
const NO_LOCAL_FILE = "Failed to create local state file";

/** A state a failed step printed, and whether Terraform's last words say it could write no errored.tfstate. */
export type UnsavedPrinted = PrintedState & { noFileWritten: boolean };

/**
 * Whether Terraform's own last words (always the end of its output: the PR's code, a provisioner,
 * prints before them) say it printed the state because it could write no errored.tfstate.
 */
function saysNoFileWritten(stepOutput: string): boolean {
  const end = stepOutput.lastIndexOf(PRINTED_FALLBACK);
  const start = end < 0 ? -1 : stepOutput.lastIndexOf(SAVE_FAILED, end);
  return start >= 0 && stepOutput.slice(start, end).includes(NO_LOCAL_FILE);
}

/**
 * The state a failed step printed because Terraform could save it neither in its backend nor to
 * errored.tfstate (a full disk): the last one the step printed, when its output holds Terraform's
 * error for that, or whatever it says when the step is Terraform's own apply or state command
 * (`byTerraform`), which prints a state only then: a pty can lose a run's last lines as it exits,
 * that error with them. A state a `run` step printed otherwise (its `state pull`) is the
 * backend's, never kept.
 */
export function printedUnsaved(
  printed: readonly PrintedState[],
  stepOutput: string,
  { byTerraform }: { byTerraform: boolean },
): UnsavedPrinted | undefined {
  const last = byTerraform || stepOutput.includes(PRINTED_FALLBACK) ? printed.at(-1) : undefined;
  return last && { ...last, noFileWritten: saysNoFileWritten(stepOutput) };
}

/**
 * What a failed run leaves to keep: errored.tfstate the run wrote, as erroredState reads it, else
 * the state Terraform printed because it could write it nowhere (then errored.tfstate is missing,
 * empty or partial). Where Terraform says it could write no errored.tfstate, a file there is not
 * its state (the PR's code planted one Terraform could not write over): the printed state is kept.
 */
export async function unsavedState(
  dir: string,
  before: string | undefined,
  printed?: UnsavedPrinted,
): Promise<{ erroredState?: Buffer; problem?: string }> {
  const errored = await erroredState(dir, before);
  // A state the run wrote is the one it could not save: one printed as well is another (a `run`
  // step's `state pull` before its apply; Terraform says "Failed to persist state to backend" for
  // errored.tfstate too), and keeping it would lose what the apply made.
  if (!printed || (errored.erroredState && !printed.noFileWritten)) return errored;
  const lost = (why: string) => ({
    problem: `Terraform printed the state it could not save (withheld from the output), but Sluice could not keep it: ${why}. Recover the state by hand before anything applies this project again`,
  });
  if (printed.cut) return lost(`it was cut short (over ${mib(PRINTED_STATE_MAX)}, or the run's output ended inside it)`);
  // Printed through a terminal: its line ends came back as \r\n (a JSON string holds none raw).
  const text = printed.text.replace(/\r\n/g, "\n");
  const parsed = parseStatePull(text);
  return "error" in parsed
    ? lost(`it is not a Terraform state (${parsed.error.replace(/^the backend's answer /, "")})`)
    : { erroredState: Buffer.from(text) };
}
