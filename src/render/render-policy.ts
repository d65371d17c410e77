import type { PolicyView } from "../model/project-result.js";
import { escapeText } from "./escape-text.js";
import { inlineCode } from "./inline.js";

/** Messages shown per policy set; the rest are counted (the plan comment must stay readable). */
const SHOWN = 10;

function messages(list: string[], clean: (text: string) => string): string[] {
  const lines = list.slice(0, SHOWN).map((m) => `  - ${escapeText(clean(m), 300)}`);
  if (list.length > SHOWN) lines.push(`  - … and ${list.length - SHOWN} more`);
  return lines;
}

/** A plan's policy checks under its project heading: each set, what failed, and how to lift it. */
export function renderPolicy(view: PolicyView | undefined, clean: (text: string) => string): string {
  if (!view || view.sets.length === 0) return "";
  const failed = view.sets.filter((s) => s.status === "failed");
  const errored = view.sets.filter((s) => s.status === "error");
  const lines: string[] = [];
  if (errored.length) {
    lines.push(
      `**Policy checks:** ⛔ ${errored.length} of ${view.sets.length} policy sets could not be evaluated: apply is blocked until they are fixed and the project is planned again.`,
    );
  } else if (failed.length) {
    lines.push(
      `**Policy checks:** ❌ ${failed.length} of ${view.sets.length} policy sets failed: apply is blocked until a policy owner comments \`/approve_policies\` (or a new commit passes).`,
    );
  } else {
    lines.push(`**Policy checks:** ✅ all ${view.sets.length} policy sets passed.`);
  }
  for (const set of view.sets) {
    const name = inlineCode(clean(set.name));
    if (set.status === "passed") {
      lines.push(
        `- ✅ ${name} passed${set.warnings.length ? ` with ${set.warnings.length} warning${set.warnings.length === 1 ? "" : "s"}` : ""}`,
      );
      lines.push(...messages(set.warnings, clean));
    } else if (set.status === "failed") {
      const who = view.approvers[set.name];
      lines.push(`- ❌ ${name} failed${who ? ` (needs ${escapeText(clean(who), 300)})` : ""}`);
      lines.push(...messages(set.failures, clean));
    } else {
      lines.push(`- ⛔ ${name} could not be evaluated: ${escapeText(clean(set.message), 300)}`);
    }
  }
  return lines.join("\n");
}
