import { actorOf } from "../../model/job.js";
import type { PreviewRecord } from "../../model/preview.js";
import { producersOf } from "../../model/project-inputs.js";
import { producersFirst, withPreviewDependents } from "../../preview/producers-first.js";
import { errorMessage } from "../../util/errors.js";
import type { Checkout } from "../../workspace/workspace.js";
import { destroyFailed, destroyPreview } from "./destroy-preview.js";
import { previewProject, previewProjects, previewSettings, trustedProjectOf } from "./preview-context.js";
import type { PreviewRun } from "./preview-run.js";

/**
 * Destroys `targets` (and the previews that read theirs) with the config each was applied from;
 * returns the projects whose previews it destroyed (dependents of the targets included).
 */
export async function destroyAllPreviews(run: PreviewRun, targets: PreviewRecord[], reason: string): Promise<string[]> {
  const { deps, job, pr, repo, name, token, now, secrets, spec, byPerson, actorNow, checkoutAt, settingsAt, context, record } = run;
  // Each preview is destroyed with the config it was applied from (the PR may have moved or
  // closed since); dependents before the producers whose previews they read.
  const checkouts = new Map<string, Checkout>();
  const settingsBySha = new Map<string, Awaited<ReturnType<PreviewRun["settingsAt"]>>>();
  try {
    // The base as it is now (an open PR's base is its branch's tip) is read from the server's copy:
    // fetched first. A base branch deleted since leaves the copy as it is, whose base commit the
    // PR's earlier jobs fetched (one it lacks is an error, never a config read as none).
    await deps.workspace.fetchBranch(repo, job.target.cloneUrl, token, pr.baseRef).catch((e: unknown) => {
      deps.log.warn({ jobId: job.id, err: errorMessage(e) }, "the base branch could not be fetched before a preview teardown");
    });
    const trustedList = (await settingsAt(pr.baseSha)).configs.trusted?.projects ?? [];
    // The base branch's project by this name, if it still has one (a renamed or removed
    // project's preview is still destroyed, with the settings as they are).
    const trustedOf = (r: PreviewRecord) => trustedProjectOf(r, trustedList);
    // Every preview of the PR, whatever this job names: a dependent's destroy plan reads its
    // producer's preview, and a producer's teardown takes its dependents' first.
    const standing = (await deps.store.previewsOf(name, pr.number)).filter((r) => r.status !== "destroyed");
    const withRecord = (r: PreviewRecord) => ({ ...trustedOf(r), name: r.project, record: r });
    const taken = withPreviewDependents(targets.map(withRecord), standing.map(withRecord));
    const previews = previewProjects(standing, trustedList);
    const left = new Set<string>();
    for (const { record: p } of producersFirst(taken).reverse()) {
      const dependent = taken.find((d) => left.has(d.name) && producersOf(d).includes(p.project));
      if (dependent) {
        // Its dependent still stands (its destroy failed): the producer waits, and the retry takes both.
        left.add(p.project);
        record(
          p.project,
          await destroyFailed({ deps, job, now, secrets }, p, `its dependent ${dependent.name}'s preview is not destroyed yet`),
        );
        continue;
      }
      let checkout: Checkout;
      let settings: Awaited<ReturnType<PreviewRun["settingsAt"]>>;
      try {
        checkout = checkouts.get(p.headSha) ?? (await checkoutAt(p.headSha));
        checkouts.set(p.headSha, checkout);
        settings = settingsBySha.get(p.headSha) ?? (await settingsAt(p.headSha));
        settingsBySha.set(p.headSha, settings);
      } catch (e) {
        // Its commit gone (force-pushed away, then collected): kept as destroy failed, said, retried.
        left.add(p.project);
        const why = `its commit ${p.headSha.slice(0, 7)} could not be checked out: ${errorMessage(e)}`;
        record(p.project, await destroyFailed({ deps, job, now, secrets }, p, why));
        continue;
      }
      const trusted = trustedOf(p);
      const self = { project: previewProject(p, trusted), trusted };
      const ctx = context(
        checkout,
        previewSettings(settings, [self]),
        byPerson ? spec.actor : "sluice",
        byPerson ? actorOf(spec).id : undefined,
      );
      const done = await destroyPreview(ctx, p, reason, actorNow, trusted, { trusted: trustedList, previews });
      record(p.project, done);
      if (done.record?.status !== "destroyed") left.add(p.project);
    }
    return taken.map((t) => t.name).filter((n) => !left.has(n));
  } finally {
    for (const c of checkouts.values()) c.release();
  }
}
