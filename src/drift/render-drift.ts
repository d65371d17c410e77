import type { DriftedResource } from "../model/drift.js";
import type { CheckConclusion } from "../vcs/vcs-client.js";
import { escapeText } from "../render/escape-text.js";
import { inlineCode } from "../render/inline.js";
import type { Redactor } from "../util/redact.js";
import type { DriftRun, ProjectDrift } from "./drift-result.js";
import { parseMarker, printComment } from "../render/comment-body.js";

export const DRIFT_CHECK = "sluice/drift";
/** Room for the table and the list; the check and issue limits are 65,535 characters. */
const BODY_BUDGET = 60_000;
const MAX_RESOURCE_LINES = 200;

const short = (sha: string) => sha.slice(0, 7);

export function issueTitle(project: string): string {
  return `Drift: project ${project}`;
}

/**
 * The project named on the first line of an issue body; undefined for any other text. Anyone can
 * write that line: it decides nothing, except which project an issue the app itself opened before
 * the store kept drift issues belongs to (adopted once; see sync-drift-issues.ts).
 */
export function projectOfIssue(body: string): string | undefined {
  const marker = parseMarker(body);
  return marker?.kind === "drift-issue" ? marker.project : undefined;
}

/** What the issue shows of its plan; the store keeps the same (the text is only for people). */
export interface IssueShows {
  firstSeen: string;
  headSha: string;
  planHash: string;
}

function counts(resources: DriftedResource[]): { outside: number; git: number } {
  return { outside: resources.filter((r) => r.cause === "outside").length, git: resources.filter((r) => r.cause === "git").length };
}

function driftWords(resources: DriftedResource[]): string {
  const c = counts(resources);
  const parts = [...(c.outside ? [`${c.outside} changed outside git`] : []), ...(c.git ? [`${c.git} in git, not applied`] : [])];
  return parts.join(", ") || "changes";
}

export function reverted(r: ProjectDrift): boolean {
  return r.status === "drifted" && r.reconcile?.done === true && r.reconcile.outcome === "applied";
}

function resultCell(r: ProjectDrift, issueUrl: (project: string) => string | undefined): string {
  switch (r.status) {
    case "in-line":
      return "✅ in line with git";
    case "drifted": {
      if (reverted(r)) return `🔁 drift reverted: git's state applied (${escapeText(driftWords(r.resources), 200)})`;
      const url = issueUrl(r.project.name);
      const link = url ? ` ([issue](${url}))` : "";
      // A gate refusal says why, so the check's reader knows what to fix (a pause, a policy, a lock).
      const rec = r.reconcile?.done
        ? " · reconciling failed"
        : r.reconcile
          ? ` · not reconciled, ⛔ refused: ${escapeText(r.reconcile.reason, 300)}`
          : "";
      return `❌ drift: ${escapeText(driftWords(r.resources), 200)}${link}${rec}`;
    }
    case "skipped":
      if (r.appliedBy !== undefined) return `⏭️ skipped: #${r.appliedBy} applied, not merged yet`;
      return `⏭️ skipped: ${escapeText(r.reason, 300)}`;
    case "error":
      return `⚠️ check failed at ${escapeText(r.step, 40)}: ${escapeText(r.message, 300)}`;
  }
}

/** The `sluice/drift` check: success = in line, failure = drift (or a failed check), neutral = skipped or nothing scheduled. */
export function renderDriftCheck(
  run: DriftRun,
  redact: Redactor,
  issueUrl: (project: string) => string | undefined,
): { title: string; summary: string; conclusion: CheckConclusion } {
  const n = run.results.length;
  // Drift Sluice reverted by itself leaves the project in line: it does not fail the check.
  const drifted = run.results.filter((r) => r.status === "drifted" && !reverted(r)).length;
  const failed = run.results.filter((r) => r.status === "error").length;
  const skipped = run.results.filter((r) => r.status === "skipped").length;
  const conclusion: CheckConclusion = drifted + failed > 0 ? "failure" : skipped > 0 || n === 0 ? "neutral" : "success";
  const title =
    n === 0
      ? "No project to check"
      : drifted > 0
        ? `Drift in ${drifted} of ${n} ${n === 1 ? "project" : "projects"}`
        : failed > 0
          ? `Drift check failed in ${failed} of ${n} ${n === 1 ? "project" : "projects"}`
          : skipped === n
            ? `All ${n} ${n === 1 ? "project" : "projects"} skipped`
            : `No drift in ${n - skipped} ${n - skipped === 1 ? "project" : "projects"}${skipped ? `, ${skipped} skipped` : ""}`;
  const head = `Planned the default branch ${inlineCode(run.branch)} at ${short(run.sha)} and compared it with what is live.\n\n`;
  const rows: string[] = [];
  let length = head.length;
  for (const r of run.results) {
    const row = `| ${inlineCode(r.project.name)} | ${resultCell(r, issueUrl)} |`;
    if (length + row.length > BODY_BUDGET) {
      rows.push(`| … | ${run.results.length - rows.length} more projects not listed |`);
      break;
    }
    rows.push(row);
    length += row.length + 1;
  }
  const table = n ? `| Project | Result |\n| --- | --- |\n${rows.join("\n")}\n` : "No project has a drift schedule, or none matched.\n";
  return { title: redact(title), summary: redact(head + table), conclusion };
}

function resourceLines(resources: DriftedResource[], budget: number): string[] {
  const lines: string[] = [];
  let used = 0;
  for (const [i, r] of resources.entries()) {
    const attrs = r.attributes
      .slice(0, 10)
      .map((a) => `${inlineCode(a.name)}: ${inlineCode(a.before)} → ${inlineCode(a.after)}`)
      .join("; ");
    const more = r.attributes.length > 10 ? ` (and ${r.attributes.length - 10} more attributes)` : "";
    const line = `- ${inlineCode(r.address)} (${escapeText(r.action, 20)})${attrs ? `: ${attrs}${more}` : ""}`;
    if (lines.length >= MAX_RESOURCE_LINES || used + line.length > budget) {
      lines.push(`- … and ${resources.length - i} more (see the full plan below)`);
      break;
    }
    lines.push(line);
    used += line.length + 1;
  }
  return lines;
}

export interface IssueFacts {
  branch: string;
  sha: string;
  shows: IssueShows;
  lastSeen: string;
  live?: { commitSha: string; source: string; number: number; finishedAt?: string };
  paused?: { actor: string; reason: string };
  onDrift: "report" | "apply";
}

/** The issue of one drifted project: a summary that always fits; the full plan follows in comments. */
export function renderDriftIssue(
  r: Extract<ProjectDrift, { status: "drifted" }>,
  facts: IssueFacts,
  redact: Redactor,
): { title: string; body: string } {
  const p = r.project;
  const outside = r.resources.filter((x) => x.cause === "outside");
  const git = r.resources.filter((x) => x.cause === "git");
  const live = facts.live
    ? `${short(facts.live.commitSha)} (${facts.live.source === "reconcile" ? "reconciled by Sluice" : `${facts.live.source === "drift-issue" ? "issue" : "PR"} #${facts.live.number}`}${facts.live.finishedAt ? `, ${facts.live.finishedAt}` : ""})`
    : "none on record (no apply of this project through Sluice yet)";
  const sections: string[] = [
    `## Drift in project ${inlineCode(p.name)}`,
    "",
    `Sluice planned the default branch ${inlineCode(facts.branch)} at ${short(facts.sha)}: what is live differs from git (${escapeText(driftWords(r.resources), 200)}).`,
    "",
    "| | |",
    "| --- | --- |",
    `| Project | ${inlineCode(p.name)} (dir ${inlineCode(p.dir)}, workspace ${inlineCode(p.workspace)}) |`,
    `| First seen | ${facts.shows.firstSeen} |`,
    `| Last seen | ${facts.lastSeen} |`,
    `| Live commit | ${live} |`,
    `| Plan | made at ${short(facts.shows.headSha)}, sha256 ${inlineCode(facts.shows.planHash.slice(0, 16))} |`,
    ...(r.credentials ? [`| Credentials | ${escapeText(r.credentials, 400)} |`] : []),
    "",
  ];
  const budget = Math.floor(BODY_BUDGET / 2);
  if (outside.length) sections.push(`### Changed outside git (${outside.length})`, "", ...resourceLines(outside, budget), "");
  if (git.length) sections.push(`### In git, not applied (${git.length})`, "", ...resourceLines(git, budget), "");
  const t = r.summary.teardown;
  if (r.summary.destroyPlan && t)
    sections.push(
      `🧨 **DESTROY PLAN**: it deletes ${t.destroys} of the ${t.held} resources this project's state ${t.sincePeak ? `held at most since its last teardown (${t.applied} deleted by earlier applies)` : "holds"}. Applying it is held as a pull request's teardown is (\`allow_destroy\`, the \`destroy\` permission and rule).`,
      "",
    );
  if (r.reconcile && !r.reconcile.done) {
    const why = r.reconcile.heldBy !== undefined ? `#${r.reconcile.heldBy} holds the project's lock` : escapeText(r.reconcile.reason, 400);
    sections.push(`Not reconciled automatically: ${why}.`, "");
  }
  if (r.reconcile?.done && r.reconcile.outcome === "failed")
    sections.push(`Reconciling failed: ${escapeText(r.reconcile.message ?? "see the log", 400)}`, "");
  if (facts.onDrift === "apply" && !r.reconcile?.done)
    sections.push("This project has `on_drift: apply`: Sluice applies git's state by itself unless a rule above stops it.", "");
  if (facts.paused)
    sections.push(`Reconciliation is paused by @\u200b${escapeText(facts.paused.actor, 40)}: ${escapeText(facts.paused.reason, 300)}`, "");
  sections.push(
    "Comment `/apply` on this issue to apply the plan shown here and put git's state back (write access or the server's `apply_users`). " +
      "It is refused when the default branch moved or a newer drift check ran: the issue is updated on each run, and closed once the project is back in line.",
  );
  const body = printComment({ marker: { kind: "drift-issue", project: p.name }, text: sections.join("\n") });
  return { title: issueTitle(p.name), body: redact(body) };
}

export function renderClosingComment(project: string, sha: string, how: "in-line" | "applied"): string {
  const why = how === "applied" ? "git's state was applied" : "a drift check found it back in line with git";
  return `Project ${inlineCode(project)} is back in line with the default branch at ${short(sha)}: ${why}. Closing.`;
}
