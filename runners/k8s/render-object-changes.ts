import { createHash } from "node:crypto";
import type { ObjectChange, ObjectDiff } from "./diff-objects.js";

const VERB = { create: "create", update: "update", delete: "delete" } as const;

/**
 * The plan text for the PR comment: a count line, then per changed object a `#` header and its diff
 * (diff-highlighters show `#` lines as plain text), then how many changes ignore rules hid.
 */
export function renderObjectChanges(diff: ObjectDiff, tool: string, opts: BlockOptions = {}): string {
  const { changes } = diff;
  const n = (action: "create" | "update" | "delete") => changes.filter((c) => c.action === action).length;
  const head =
    changes.length === 0
      ? `No changes: ${tool} renders the same objects at base and head.`
      : `Objects: ${n("create")} to create, ${n("update")} to update, ${n("delete")} to delete.`;
  return `${[head, ...objectChangeBlocks(diff, opts)].join("\n\n")}\n`;
}

/** Per changed object its header and diff, then the hidden count: shared by the render and live diffs. */
export function objectChangeBlocks(diff: ObjectDiff, opts: BlockOptions = {}): string[] {
  const parts: string[] = [];
  for (const c of diff.changes) {
    const note = c.hiddenChanges > 0 ? ` (${c.hiddenChanges} ignored field${c.hiddenChanges === 1 ? "" : "s"} also changed)` : "";
    const body = opts.full || !isLarge(c) ? c.diff.trimEnd() : largeSummary(c);
    parts.push(`# ${VERB[c.action]} ${c.address}${note}\n${body}`);
  }
  if (diff.hidden > 0) {
    const paths = Object.entries(diff.hiddenPaths ?? {}).map(([path, n]) => `\`${path}\` (${n} object${n === 1 ? "" : "s"})`);
    parts.push(
      `${diff.hidden} change${diff.hidden === 1 ? "" : "s"} hidden by ignore rules${paths.length > 0 ? `: ${paths.join(", ")}` : ""}`,
    );
  }
  return parts;
}

export interface BlockOptions {
  /** Every diff in full (the job log); otherwise large ones are summarised (the PR). */
  full?: boolean;
}

/** A CRD's schema or a bundled dashboard buries every other change of a plan and fills comments. */
const LARGE_DIFF = 32 * 1024;
const LARGE_CRD_DIFF = 4 * 1024;

function isLarge(c: ObjectChange): boolean {
  return c.diff.length > (c.address.startsWith("CustomResourceDefinition/") ? LARGE_CRD_DIFF : LARGE_DIFF);
}

function largeSummary(c: ObjectChange): string {
  const lines = c.diff.split("\n").filter((l) => l.startsWith("+") || l.startsWith("-")).length;
  const kb = (c.diff.length / 1024).toFixed(1);
  const digest = createHash("sha256").update(c.diff).digest("hex").slice(0, 16);
  return `(large: ${lines} changed lines, ${kb} KB of diff, sha256:${digest}; the full diff is in the job log)`;
}
