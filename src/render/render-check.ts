import type { PlanSummary } from "../model/plan-summary.js";
import { cleanText } from "./clean-text.js";
import { commandLabel, noticeBlock, pendingLine } from "./comment-parts.js";
import { cutText } from "./cut-text.js";
import { inlineCode } from "./inline.js";
import { planCounts } from "./plan-counts.js";
import { projectView } from "./project-view.js";
import { createRedactor, type Redactor } from "../util/redact.js";
import type { CommentInput } from "./render-comment.js";
import { templates } from "./templates.js";

/** GitHub's limit for a check run's output.summary. */
export const MAX_CHECK_SUMMARY = 65_535;

export interface CheckRender {
  title: string;
  summary: string;
  conclusion: "success" | "failure" | "neutral";
}

/**
 * The check run for a job: counts in the title (`+2 ~1 -0`), one line per project in the summary
 * (all of them, as far as 65,535 characters go: the comment points here when it has to leave
 * projects out). `conclusion` only matters once the state is done; refusals fail the check so
 * branch protection holds the merge. Without a redactor the built-in patterns and the plans'
 * sensitive values still apply.
 */
export function renderCheck(input: CommentInput, redact: Redactor = createRedactor()): CheckRender {
  const clean = cleanText(input.results, redact);
  const command = commandLabel(input);
  // The check shows no output: cleaning megabytes of it only to drop them would cost seconds.
  const views = input.results.map((r) => projectView({ ...r, output: "" }, command, clean));
  const summaries = input.results.flatMap((r) => ((r.status === "planned" || r.status === "applied") && r.summary ? [r.summary] : []));
  const totals = sumCounts(summaries);
  const failed = input.results.filter((r) => r.status === "error").length;
  const refused = input.results.filter((r) => r.status === "refused").length;
  const n = input.results.length;

  const title = checkTitle(input, { totals, failed, refused, n, clean });
  const conclusion: CheckRender["conclusion"] =
    input.state !== "done" || n === 0 ? "neutral" : failed > 0 || refused > 0 ? "failure" : "success";

  const notice = noticeBlock(input.notice, clean);
  const base =
    n === 0
      ? {
          totals: input.state === "done" ? notice || "Nothing to do." : `**${title}**`,
          notice: input.state === "done" ? "" : notice,
          pending: pendingLine(input, clean, 100),
        }
      : {
          totals: totalsLine(input, totals, summaries.length, clean),
          notice,
          pending: pendingLine(input, clean, 100),
        };
  const render = (lines: string[], more: number) =>
    templates.checkSummary({ ...base, lines, more: more > 0 ? `… and ${more} more projects.` : "" });

  const lines = views.map((v) => v.summary);
  let summary = render(lines, 0);
  if (summary.length > MAX_CHECK_SUMMARY) {
    // Lines are at most a few hundred characters: find how many fit.
    let lo = 0;
    let hi = lines.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (render(lines.slice(0, mid), lines.length - mid).length <= MAX_CHECK_SUMMARY) lo = mid;
      else hi = mid - 1;
    }
    summary = render(lines.slice(0, lo), lines.length - lo);
  }
  return { title, summary: cutText(summary, MAX_CHECK_SUMMARY), conclusion };
}

type Totals = Pick<PlanSummary, "add" | "change" | "destroy"> & { changes: boolean };

function sumCounts(summaries: PlanSummary[]): Totals {
  return summaries.reduce<Totals>(
    (t, s) => ({
      add: t.add + s.add,
      change: t.change + s.change,
      destroy: t.destroy + s.destroy,
      changes: t.changes || s.hasChanges,
    }),
    { add: 0, change: 0, destroy: 0, changes: false },
  );
}

function checkTitle(
  input: CommentInput,
  facts: {
    totals: Totals;
    failed: number;
    refused: number;
    n: number;
    clean: (text: string) => string;
  },
): string {
  const { totals, failed, refused, n } = facts;
  if (input.state === "queued") return "Queued";
  if (input.state === "running") {
    const pending = input.pending?.length ?? 0;
    return pending > 0 ? `Running: ${pending} ${pending === 1 ? "project" : "projects"} pending` : "Running";
  }
  if (n === 0) {
    const first =
      facts
        .clean(input.notice ?? "")
        .trim()
        .split("\n", 1)[0] ?? "";
    return first ? cutText(first.replace(/\s+/g, " "), 120) : "Nothing to do";
  }
  const names = (status: "error" | "refused") =>
    cutText(
      input.results
        .filter((r) => r.status === status)
        .map((r) => facts.clean(r.project.name))
        .join(", "),
      80,
    );
  if (failed > 0) return `${failed} of ${n} ${n === 1 ? "project" : "projects"} failed: ${names("error")}`;
  if (refused > 0) return `${refused} of ${n} ${n === 1 ? "project" : "projects"} refused: ${names("refused")}`;
  const counts = planCounts(totals);
  if (input.command === "apply") return `Applied ${counts}`;
  // A teardown is named in the title, where reviewers and the merge box see it first.
  if (input.results.some((r) => r.status === "planned" && r.summary.destroyPlan))
    return `DESTROY PLAN: ${counts} in ${n} ${n === 1 ? "project" : "projects"}`;
  return totals.changes
    ? `${counts} in ${n} ${n === 1 ? "project" : "projects"}`
    : `No changes in ${n} ${n === 1 ? "project" : "projects"}`;
}

/**
 * The summary's first line. Counts cover only the projects that produced a plan: a failed
 * project has no counts, and zeros for it would read as "no changes". Failed and refused
 * projects are named, with the step a failure stopped at.
 */
function totalsLine(input: CommentInput, totals: Totals, counted: number, clean: (text: string) => string): string {
  const n = input.results.length;
  const failed = input.results.flatMap((r) =>
    r.status === "error" ? [`${inlineCode(clean(r.project.name))} (at ${inlineCode(clean(r.failedStep))})`] : [],
  );
  const refused = input.results.flatMap((r) => (r.status === "refused" ? [inlineCode(clean(r.project.name))] : []));
  if (failed.length === 0 && refused.length === 0) return `**${planCounts(totals)}** in ${n} ${n === 1 ? "project" : "projects"}`;
  const parts: string[] = [];
  if (counted > 0) parts.push(`**${planCounts(totals)}** in ${counted} of ${n} ${n === 1 ? "project" : "projects"}`);
  if (failed.length > 0) parts.push(`**${failed.length} failed**: ${failed.join(", ")}`);
  if (refused.length > 0) parts.push(`**${refused.length} refused**: ${refused.join(", ")}`);
  return parts.join("; ");
}
