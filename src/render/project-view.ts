import type { ProjectResult } from "../model/project-result.js";
import type { PlanSummary } from "../model/plan-summary.js";
import { changeLines } from "./change-lines.js";
import { escapeText } from "./escape-text.js";
import { fence } from "./fence.js";
import { inlineCode } from "./inline.js";
import { planCounts, planExtras } from "./plan-counts.js";
import { renderPolicy } from "./render-policy.js";
import { templates } from "./templates.js";
import { listSome } from "../util/list-some.js";

/** One project's result, made safe and ready to lay out. */
export interface ProjectView {
  /** Markdown heading line, e.g. **`net`** (`envs/net`, workspace `default`): `+2 ~1 -1` (1 replace). */
  summary: string;
  /** Lines for the ```diff change list (already clean). */
  changes: string[];
  /** The tool output, control-stripped and redacted; "" when there is none. */
  output: string;
  /** Failed projects show their output expanded: it is the part worth reading. */
  failed: boolean;
  /** The project name as inline code, for labels. */
  label: string;
  /** The plan's policy checks (markdown lines); "" when none ran. */
  policy?: string;
  /** "why: …" — which changed files planned the project, and through what; "" when not known. */
  why?: string;
  /** "credentials: …" — the identity the run had (names only); "" when the server has no rules. */
  credentials?: string;
  /** The trusted plan rules' notes, one line each; "" when none applies. */
  rules?: string;
  /** "state: …" — where the project's state lives, as its backend said; "" when not known. */
  state?: string;
}

/** What a `-destroy` plan's line starts with, in the comment and the check. */
export const DESTROY_BANNER = "🧨 **DESTROY PLAN** (`-destroy`: applying it deletes what this project manages):";

/** What a plan's line starts with when what it deletes makes it a teardown, asked with `-destroy` or not. */
const teardownBanner = (t: NonNullable<PlanSummary["teardown"]>) =>
  t.sincePeak
    ? `🧨 **DESTROY PLAN** (with this project's earlier applies, whichever pull request made them, deletes ${t.destroys} of the ${t.held} resources its state held at most since its last teardown, ${t.applied} already deleted: a teardown, held as \`-destroy\` plans are):`
    : t.applied !== undefined
      ? `🧨 **DESTROY PLAN** (with this pull request's earlier applies, deletes ${t.destroys} of the ${t.held} resources this project's state held before them, ${t.applied} already deleted: a teardown, held as \`-destroy\` plans are):`
      : `🧨 **DESTROY PLAN** (deletes ${t.destroys} of the ${t.held} resources this project's state holds: a teardown, held as \`-destroy\` plans are):`;

export type CleanText = (text: string) => string;

export function projectView(result: ProjectResult, command: "plan" | "apply", clean: CleanText): ProjectView {
  const { project } = result;
  const where = `(${inlineCode(clean(project.dir))}, workspace ${inlineCode(clean(project.workspace))})`;
  const label = inlineCode(clean(project.name));
  const head = `**${label}** ${where}`;
  const output = clean(result.output ?? "");
  // Whitespace alone is not worth a collapsible block.
  const base = {
    label,
    why: whyLine(project.why, clean),
    credentials: result.credentials ? `credentials: ${escapeText(clean(result.credentials), 400)}` : "",
    output: output.trim() === "" ? "" : output,
    failed: false,
    changes: [] as string[],
  };

  switch (result.status) {
    case "planned": {
      const s = result.summary;
      // A teardown must not look like any other plan: it says so first, in words and in bold.
      const policy = renderPolicy(result.policy, clean);
      const rules = (result.rules ?? []).map((r) => escapeText(clean(r))).join("  \n");
      const state = s.stateAt ? `state: ${escapeText(clean(s.stateAt), 400)}` : "";
      const banner = s.destroyPlan ? `${s.teardown ? teardownBanner(s.teardown) : DESTROY_BANNER} ` : "";
      const warnings = (s.warnings ?? []).map((w) => ` — ⚠️ ${escapeText(clean(w))}`).join("");
      if (!s.hasChanges) return { ...base, policy, rules, state, summary: `${head}: ${banner}✅ no changes${warnings}` };
      const extras = planExtras(s);
      const counts = `${inlineCode(planCounts(s))}${extras.length > 0 ? ` (${extras.join(", ")})` : ""}`;
      return { ...base, policy, rules, state, summary: `${head}: ${banner}${counts}${warnings}`, changes: changeLines(s, clean) };
    }
    case "applied": {
      const s = result.summary;
      if (!s) return { ...base, summary: `${head}: ✅ applied` };
      return { ...base, summary: `${head}: ✅ applied ${inlineCode(planCounts(s))}`, changes: changeLines(s, clean) };
    }
    case "error": {
      const step = escapeText(clean(result.failedStep), 40);
      const message = result.message ? `: ${escapeText(clean(result.message))}` : "";
      return { ...base, failed: true, summary: `${head}: ❌ ${command} failed at ${step}${message}` };
    }
    case "refused": {
      const reason = clean(result.reason);
      const ref = result.link?.text ?? "";
      // Sluice's own reference (`locked by #12`) is written plain, so GitHub links it; the rest of the sentence stays inert.
      if (/^#\d+$/.test(ref) && reason.includes(ref)) {
        const text = reason
          .split(ref)
          .map((part) => `${/^\s/.test(part) ? " " : ""}${escapeText(part)}${/\S\s+$/.test(part) ? " " : ""}`)
          .join(ref);
        return { ...base, summary: `${head}: ⛔ refused: ${text}` };
      }
      const link =
        result.link && /^https?:\/\/[^\s()<>]+$/.test(result.link.url)
          ? ` ([${escapeText(clean(result.link.text), 80)}](${result.link.url}))`
          : "";
      return { ...base, summary: `${head}: ⛔ refused: ${escapeText(reason)}${link}` };
    }
    default:
      return { ...base, summary: `${head}: ❔ unknown result` };
  }
}

const WHY_LISTED = 5;

/** One line for a project's reasons: the first few, the rest counted (a PR may touch thousands of files). */
export function whyLine(why: readonly string[] | undefined, clean: CleanText): string {
  if (!why || why.length === 0) return "";
  return `why: ${listSome(why, WHY_LISTED, (w) => escapeText(clean(w), 300), "; ")}`;
}

/** The change list for at most `cap` lines; the rest is counted. */
export function renderChanges(lines: readonly string[], cap: number): string {
  if (lines.length === 0) return "";
  if (cap <= 0)
    return `_${lines.length} ${lines.length === 1 ? "change" : "changes"} not listed here to keep this comment within GitHub's size limit._`;
  const shown = lines.slice(0, cap);
  const more = lines.length - shown.length;
  return `${fence(shown.join("\n"), "diff")}${more > 0 ? `\n… and ${more} more` : ""}`;
}

export function renderSection(view: ProjectView, cap: number, output = ""): string {
  return templates.project({
    summary: view.summary,
    why: view.why ?? "",
    credentials: view.credentials ?? "",
    state: view.state ?? "",
    rules: view.rules ?? "",
    policy: view.policy ?? "",
    changes: renderChanges(view.changes, cap),
    output,
  });
}
