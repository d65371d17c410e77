import { everyoneMayPlan } from "../../authorization/change-control-facts.js";
import type { RepoSettings } from "../../config/repo-settings.js";
import type { PreviewRecord } from "../../model/preview.js";
import type { Project } from "../../model/project.js";
import { producersFirst } from "../../preview/producers-first.js";
import { previewMoved, previewsByNamespace, previewWorkspace, realNamespaces } from "../../preview/preview-workspace.js";
import type { Checkout } from "../../workspace/workspace.js";
import { type Actor, authorOf } from "../../model/person.js";
import { destroyAllPreviews } from "./destroy-all-previews.js";
import { previewProject, previewProjects, previewSettings } from "./preview-context.js";
import { previewPeople } from "./preview-people.js";
import type { PreviewRun } from "./preview-run.js";
import { syncPreview } from "./sync-preview.js";

/**
 * Syncs the PR's previews to its head, producers first; returns whether any project has a preview
 * (so the comment is worth posting).
 */
export async function syncAllPreviews(run: PreviewRun): Promise<boolean> {
  const {
    deps,
    vcs,
    job,
    pr,
    repo,
    name,
    token,
    spec,
    byCommand,
    actorAllowed,
    actorNow,
    notices,
    retaken,
    checkoutAt,
    settingsAt,
    context,
    record,
  } = run;
  // The trusted config decides first, read at the base: nothing of a PR (a fork's least of all)
  // is fetched for a repository without previews.
  await deps.workspace.fetchBranch(repo, job.target.cloneUrl, token, pr.baseRef);
  const base = await settingsAt(pr.baseSha);
  const trustedProjects = base.configs.trusted?.projects ?? [];
  // Terragrunt units have no preview (the config refuses it too).
  const previewable = trustedProjects.filter((p) => base.previewFor(p) !== undefined && p.runner !== "terragrunt");
  const wanted = previewable.filter((p) => !spec.project || p.name === spec.project || retaken.has(p.name));
  if (!wanted.length) return false;
  // Decided before anything is planned, locked or deployed.
  const people = await previewPeople(vcs, deps, job, pr, byCommand ? { allowed: actorAllowed, now: actorNow } : undefined);
  if (!people.ok) {
    notices.push(people.notice);
    return true;
  }
  const checkout = await checkoutAt(pr.headSha);
  // Read now, not at the job's start: a recreate above destroyed some of them.
  const records = await deps.store.previewsOf(name, pr.number);
  const bases = new Map<string, Checkout | undefined>();
  // The commit a live Helm or Kustomize preview was applied from: its plan is the diff from there.
  const baseOf = async (p: Project) => {
    const live = records.find((r) => r.project === p.name && r.status === "live");
    if (!live || !previewsByNamespace(p.runner)) return undefined;
    if (live.headSha === pr.headSha) return checkout;
    if (!bases.has(live.headSha)) {
      // A commit gone with a force-push: the plan shows everything as new, as for a first preview.
      bases.set(live.headSha, await checkoutAt(live.headSha).catch(() => undefined));
    }
    return bases.get(live.headSha);
  };
  try {
    const settings = await settingsAt(pr.headSha);
    const headProjects = settings.configs.head.ok ? settings.configs.head.config.projects : [];
    // Producers' previews, for their dependents' inputs: those there now (whatever this job
    // names), then each one this run applies. A producer that takes part in previews is read
    // from its preview only: with none now, its dependents are not planned.
    const there = (r: PreviewRecord) => r.status === "live" || r.status === "failed";
    const previews = previewProjects(records.filter(there), trustedProjects);
    const previewOnly = new Set([
      ...previewable.map((p) => p.name),
      ...records.filter((r) => r.status !== "destroyed").map((r) => r.project),
    ]);
    for (const p of producersFirst(wanted)) {
      const preview = settings.previewFor(p);
      if (!preview) continue;
      const ws = await previewPlace(run, settings, p, preview.workspace, [...trustedProjects, ...headProjects], people.actor);
      if (!ws.ok) {
        notices.push(ws.notice);
        continue;
      }
      const ctx = context(
        checkout,
        previewSettings(settings, [{ project: { ...p, workspace: ws.workspace }, trusted: p }]),
        people.actor.login,
        people.actor.id,
      );
      const base = await baseOf(p);
      const from = { trusted: trustedProjects, previews, previewOnly, baseCheckoutDir: base?.dir };
      const synced = await syncPreview(ctx, p, preview, ws.workspace, people.allowedNow, from);
      record(p.name, synced);
      if (synced.record && there(synced.record)) previews.set(p.name, { project: previewProject(synced.record, p), trusted: p });
      else if (synced.record) previews.delete(p.name);
    }
  } finally {
    checkout.release();
    for (const b of bases.values()) b?.release();
  }
  return true;
}

/**
 * Where this project's preview goes, decided before it is planned: its author and whoever asked
 * may plan it (as for its autoplan: a preview plans and applies the PR's code with the project's
 * preview credentials), its workspace (or namespace) is none of the real ones, and one the base
 * branch moved away from is torn down first. Else the notice saying why there is no preview.
 */
async function previewPlace(
  run: PreviewRun,
  settings: RepoSettings,
  p: Project,
  template: string,
  /** The base branch's projects and the head's: their workspaces and namespaces are not a preview's. */
  known: readonly Project[],
  actor: Actor,
): Promise<{ ok: true; workspace: string } | { ok: false; notice: string }> {
  const { deps, vcs, pr, name } = run;
  const author = authorOf(pr);
  const mayPlan = await everyoneMayPlan(deps, vcs, settings.identityOf(p), [author, actor]);
  if (!mayPlan.allowed) return { ok: false, notice: `No preview of ${p.name}: ${mayPlan.reasons.join("; ")}.` };
  const byNamespace = previewsByNamespace(p.runner);
  const real = byNamespace ? realNamespaces(known) : known.filter((q) => q.dir === p.dir).map((q) => q.workspace);
  const ws = previewWorkspace(template, pr.number, real, byNamespace ? "namespace" : "workspace");
  if (!ws.ok) return { ok: false, notice: `No preview of ${p.name}: ${ws.reason}.` };
  // The base branch moved the preview (its template, the project's dir or tool): the record
  // is keyed by project, so a sync would overwrite it and leave the standing preview running
  // where no record names it. It is torn down where it lives first; until that succeeds, it stays.
  const standing = await deps.store.getPreview({ repo: name, pr: pr.number, project: p.name });
  if (standing && standing.status !== "destroyed" && previewMoved(standing, p, ws.workspace)) {
    const from = `${standing.dir}, ${standing.workspace}`;
    const gone = await destroyAllPreviews(run, [standing], `the base branch moved its preview (${from} → ${p.dir}, ${ws.workspace})`);
    if (!gone.includes(p.name)) {
      return { ok: false, notice: `No preview of ${p.name} in ${ws.workspace} yet: the one in ${standing.workspace} is not destroyed.` };
    }
  }
  return { ok: true, workspace: ws.workspace };
}
