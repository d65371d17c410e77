import type { ObjectDiff } from "./diff-objects.js";

const VERB = { create: "create", update: "update", delete: "delete" } as const;

/**
 * The plan text for the PR comment: a count line, then per changed object a `#` header and its diff
 * (diff-highlighters show `#` lines as plain text), then how many changes ignore rules hid.
 */
export function renderObjectChanges(diff: ObjectDiff, tool: string): string {
  const { changes } = diff;
  const n = (action: "create" | "update" | "delete") => changes.filter((c) => c.action === action).length;
  const head =
    changes.length === 0
      ? `No changes: ${tool} renders the same objects at base and head.`
      : `Objects: ${n("create")} to create, ${n("update")} to update, ${n("delete")} to delete.`;
  return `${[head, ...objectChangeBlocks(diff)].join("\n\n")}\n`;
}

/** Per changed object its header and diff, then the hidden count: shared by the render and live diffs. */
export function objectChangeBlocks(diff: ObjectDiff): string[] {
  const parts: string[] = [];
  for (const c of diff.changes) {
    const note = c.hiddenChanges > 0 ? ` (${c.hiddenChanges} ignored field${c.hiddenChanges === 1 ? "" : "s"} also changed)` : "";
    parts.push(`# ${VERB[c.action]} ${c.address}${note}\n${c.diff.trimEnd()}`);
  }
  if (diff.hidden > 0) {
    const paths = Object.entries(diff.hiddenPaths ?? {}).map(([path, n]) => `\`${path}\` (${n} object${n === 1 ? "" : "s"})`);
    parts.push(
      `${diff.hidden} change${diff.hidden === 1 ? "" : "s"} hidden by ignore rules${paths.length > 0 ? `: ${paths.join(", ")}` : ""}`,
    );
  }
  return parts;
}
