import type { StateOperation } from "../runner.js";
import { stateMoved } from "./state-read-back.js";
import type { StateSnapshot } from "./state-scanner.js";
import { listSome } from "../../src/util/list-some.js";

/** An address and everything under it: its instances (`[key]`) and, for a module, its resources. */
const covers = (address: string, held: string) => held === address || held.startsWith(`${address}[`) || held.startsWith(`${address}.`);

/**
 * Why the state read back through the backend after `/import` or `/state rm` is not the one the
 * command reported, if it is not: the state moved (its serial advanced, or a new lineage), and it
 * holds the imported address, or nothing any more of the removed ones. A backend that answered
 * the write and kept nothing would otherwise be reported done.
 */
export function stateCommandReadBack(
  op: Exclude<StateOperation, { kind: "push" }>,
  before: StateSnapshot,
  after: StateSnapshot | { error: string },
): string | undefined {
  if ("error" in after) return `the state could not be read back through the backend: ${after.error}`;
  if (!stateMoved(before, after))
    return `the backend still holds lineage ${before.lineage || "(none)"} serial ${before.serial} after the command: the change did not reach it`;
  if (op.kind === "import") {
    const held = [...after.addresses].some((a) => covers(op.address, a));
    return held ? undefined : `the backend's state after the import does not hold ${op.address}`;
  }
  const left = [...after.addresses].filter((a) => op.addresses.some((r) => covers(r, a)));
  return left.length ? `the backend's state after the removal still holds ${listSome(left, 5)}` : undefined;
}
