import type { JobContext } from "../job-context/job-context.js";
import { actorOf, type SpecOf } from "../model/job.js";
import { repoFullName } from "../model/repo.js";
import { escapeText } from "../render/escape-text.js";
import { inlineCode } from "../render/inline.js";
import { projectPermission } from "../authorization/change-control-facts.js";
import { listSome } from "../util/list-some.js";
import { mayRunDrift } from "./may-run-drift.js";
import { pausedNow, resumedNames } from "./pause-of.js";
import { askedBeforeFrom } from "../authorization/command-asked-at.js";
import type { DriftPause } from "../model/drift.js";
import { readDefaultHead } from "./read-default-head.js";

/** The first instant of a pause this resume never saw: asked before it, or (console) set after the page it was clicked on. */
function resumesBefore(job: Parameters<typeof askedBeforeFrom>[0] & { spec: { pausedShownAt?: string } }): string {
  const asked = askedBeforeFrom(job);
  const shown = Date.parse(job.spec.pausedShownAt ?? "");
  return Number.isFinite(shown) ? new Date(Math.min(Date.parse(asked), shown + 1)).toISOString() : asked;
}

const stamp = (iso: string) => `${new Date(iso).toISOString().slice(0, 19).replace("T", " ")} UTC`;

/**
 * `/drift pause -p X -- reason` and `/drift resume -p X`: stop and restart reconciling a project.
 * Drift checks still report a paused project; nothing is applied to it by itself.
 */
export async function runDriftPauseJob(ctx: JobContext<SpecOf<"drift-pause">>): Promise<void> {
  const { job, deps, vcs } = ctx;
  const spec = job.spec;
  const { repo } = job.target;
  const name = repoFullName(repo);
  if (spec.commentId) void vcs.react(repo, spec.commentId, "eyes").catch(() => undefined);
  const who = await mayRunDrift(deps, vcs, repo, actorOf(spec), spec.grant);
  if (!who.ok) return ctx.reply(`Not run: ${who.reason}.`);
  const read = await readDefaultHead(ctx, ctx.reply);
  if (!read) return;
  const { head, all } = read;
  // Pausing names a project of the default branch: a typo must not look like a pause.
  const project = spec.project;
  const found = all.find((p) => p.name === project);
  if (!found) {
    const names = listSome(all, 20, (p) => inlineCode(p.name)) || "none";
    return ctx.reply(`Not done: there is no project ${inlineCode(project)} on ${inlineCode(head.name)} (projects: ${names}).`);
  }
  if (spec.action === "pause") {
    const reason = spec.reason ?? "";
    await deps.store.setDriftPause(name, project, { actor: spec.actor, reason });
    await deps.store.recordAudit({ actor: spec.actor, action: "drift-pause", repo: name, project, pr: job.target.pr, detail: reason });
    return ctx.reply(
      `Reconciliation of project ${inlineCode(project)} is paused: drift checks still report it, nothing is applied to it by itself (reason: ${escapeText(reason, 300)}). Comment \`/drift resume -p ${project}\` to restart it.`,
    );
  }
  // Resuming lets the next check apply the project by itself: only who may apply it may resume it
  // (the server's per-project `permissions`, found by the project's trusted identity).
  const mayApply = await projectPermission(deps, vcs, read.settings.identityOf(found), "apply", actorOf(spec));
  if (!mayApply.allowed) return ctx.reply(`Not resumed: ${mayApply.reasons.join("; ")}.`);
  // The pause that holds it may be under the name it was applied under before a rename (pauseOf).
  const held = await pausedNow(deps.store, name, found);
  const names = all.map((p) => p.name);
  // A resume asked before a pause (a failed reconcile's, another's; its delivery late, or queued)
  // never saw it: each is lifted in one conditional step, so one set meanwhile stays too.
  const kept: DriftPause[] = [];
  const lifted: DriftPause[] = [];
  for (const under of resumedNames(project, held, names)) {
    const left = await deps.store.resumeDrift(name, under, resumesBefore(job));
    if (left.still) kept.push(left.still);
    if (left.lifted) lifted.push(left.lifted);
  }
  // A pause it lifted is audited whatever came after it (another replica's pause, right after).
  const detail = spec.via ? `(from ${spec.via})` : "";
  if (lifted.length || !kept.length)
    await deps.store.recordAudit({
      actor: spec.actor,
      action: "drift-resume",
      repo: name,
      project,
      pr: job.target.pr || undefined,
      detail,
    });
  const still = kept[0];
  if (still && lifted.length)
    return ctx.reply(
      `The pause of project ${inlineCode(project)} set at ${stamp(lifted[0]?.createdAt ?? "")} is lifted, but a newer pause of it holds, set at ${stamp(still.createdAt)} by @\u200b${escapeText(still.actor)} (${escapeText(still.reason, 300)}), after this resume was asked: it stays paused. Comment \`/drift resume -p ${project}\` again to restart it.`,
    );
  if (still && spec.pausedShownAt !== undefined && Date.parse(still.createdAt) > Date.parse(spec.pausedShownAt))
    return ctx.reply(
      `Not resumed: the page this resume was asked from showed the pause of ${stamp(spec.pausedShownAt)}; reconciliation of project ${inlineCode(project)} was paused again at ${stamp(still.createdAt)} by @\u200b${escapeText(still.actor)} (${escapeText(still.reason, 300)}). Reload the page, read why, then resume if that pause may end.`,
    );
  if (still) {
    const asked = spec.commentAt ?? job.createdAt;
    return ctx.reply(
      `Not resumed: this \`/drift resume\` was asked at ${stamp(asked)}, before reconciliation of project ${inlineCode(project)} was paused at ${stamp(still.createdAt)} by @\u200b${escapeText(still.actor)} (${escapeText(still.reason, 300)}), so it never saw that pause. Comment \`/drift resume -p ${project}\` again to restart it.`,
    );
  }
  return ctx.reply(`Reconciliation of project ${inlineCode(project)} is resumed.`);
}
