import { pullRequestSettings } from "../../repo-reading/trusted-settings.js";
import type { Job } from "../../model/job.js";
import type { PreviewRecord } from "../../model/preview.js";
import type { Project } from "../../model/project.js";
import { repoFullName } from "../../model/repo.js";
import { ALLOWED, type Decision } from "../../policy/decision.js";
import { producersFirst, withPreviewDependents } from "../../preview/producers-first.js";
import { producersOf } from "../../model/project-inputs.js";
import { previewMoved, previewsByNamespace, previewWorkspace, realNamespaces } from "../../preview/preview-workspace.js";
import { formatDuration } from "../../util/duration.js";
import { errorMessage } from "../../util/errors.js";
import { authorizeCommand, replyRefused } from "../../authorization/authorize-command.js";
import { everyoneMayPlan } from "../../authorization/change-control-facts.js";
import type { JobDeps } from "../../job-context/job-deps.js";
import { loadRepoConfigs } from "../../repo-reading/load-repo-configs.js";
import { secretsFor } from "../../job-context/secrets.js";
import { trustedCommit } from "../../repo-reading/trusted-commit.js";
import { destroyFailed, destroyPreview } from "./destroy-preview.js";
import { type PreviewContext, previewProject, previewProjects, previewSettings, trustedProjectOf } from "./preview-context.js";
import { postPreviewComment } from "./post-preview-comment.js";
import { previewPeople } from "./preview-people.js";
import { type SyncOutcome, syncPreview } from "./sync-preview.js";

type Spec = Extract<Job["spec"], { kind: "preview" }>;

/**
 * A pull request's previews: synced to its head when it opens or changes, destroyed when it
 * closes or their time is up, and `/preview destroy|recreate|extend` from writers. Every apply
 * and destroy passes the gate (preview-apply, preview-destroy); the PR's preview comment says
 * where each one stands.
 */
export function runPreviewJob(job: Job, deps: JobDeps, now: () => number = Date.now): Promise<void> {
  // One preview job of a pull request at a time, across replicas: a close's teardown and a push's
  // sync (or two syncs) never interleave, so neither acts on what the other is changing.
  return deps.store.runExclusive(`preview|${repoFullName(job.target.repo)}|${job.target.pr}`, () => previewJob(job, deps, now));
}

async function previewJob(job: Job, deps: JobDeps, now: () => number): Promise<void> {
  if (job.spec.kind !== "preview") throw new Error(`runPreviewJob got a ${job.spec.kind} job`);
  const spec = job.spec;
  const { repo } = job.target;
  const name = repoFullName(repo);
  const byCommand = spec.commentId !== undefined;
  // A person asked (a comment, or the console's or the API's Destroy): checked when the job runs,
  // and the one the gate, its audit and the run's credentials name; otherwise Sluice acts itself.
  const byPerson = byCommand || spec.via !== undefined;
  const mine = (await deps.store.previewsOf(name, job.target.pr)).filter((p) => !spec.project || p.project === spec.project);
  // Previews a recreate destroyed with its project's (their producer's), synced again with it.
  const retaken = new Set<string>();
  // A PR closed (or checked) with nothing live: nothing to destroy, nothing to say, nothing to ask GitHub.
  const live = mine.filter((p) => p.status !== "destroyed");
  if ((spec.action === "destroy" || spec.action === "check") && !live.length && !byCommand) return;
  const vcs = await deps.vcsFor(job);
  const secrets = secretsFor(deps);
  const pr = await vcs.pullRequest(repo, job.target.pr);
  let actorAllowed: Decision = ALLOWED;
  if (byPerson) {
    if (byCommand) void vcs.react(repo, spec.commentId as number, "eyes").catch(() => undefined);
    actorAllowed = await authorizeCommand(vcs, deps, job, "preview", "write");
    if (!actorAllowed.allowed) return replyRefused(vcs, deps, job, `Not done: ${actorAllowed.reasons.join("; ")}.`);
  }
  deps.log.info(
    { jobId: job.id, repo: name, pr: pr.number, action: spec.action, previews: mine.map((p) => `${p.project}:${p.status}`) },
    `preview ${spec.action}${spec.reason ? `: ${spec.reason}` : ""}`,
  );
  const notices: string[] = [];
  const outputs = new Map<string, string>();
  const post = () => postPreviewComment(deps, vcs, repo, pr.number, notices, outputs, secrets.redact, now());

  if (spec.action === "extend") {
    const extendable = mine.filter((p) => p.status === "live" || p.status === "failed");
    if (!extendable.length) notices.push("There is no live preview to extend.");
    for (const p of extendable) {
      await deps.store.savePreview({ ...p, extendedUntil: now() + (spec.extendMs ?? 0), updatedAt: now() });
    }
    if (extendable.length)
      notices.push(`@\u200b${spec.actor} extended the previews by ${formatDuration(spec.extendMs ?? 0)} (never past \`max_age\`).`);
    return post();
  }

  const token = await vcs.cloneToken();
  secrets.add([token]);
  const checkoutAt = (sha: string) =>
    deps.workspace.checkout({
      repo,
      cloneUrl: job.target.cloneUrl,
      token,
      pr: pr.number,
      headSha: sha,
      baseSha: pr.baseSha,
      baseRef: pr.baseRef,
    });
  const context = (checkout: PreviewContext["checkout"], settings: PreviewContext["settings"], actor: string): PreviewContext => ({
    job,
    deps,
    vcs,
    secrets,
    pr,
    settings,
    checkout,
    actor,
    now,
  });
  const record = (project: string, o: SyncOutcome) => {
    if (o.notice) notices.push(o.notice);
    if (o.output) outputs.set(project, secrets.redact(o.output));
  };

  if (spec.action === "check") {
    // A close Sluice missed (it was down, the delivery was lost): the sweep's question, answered here.
    if (pr.state === "open") return;
    await destroyAll(
      mine.filter((p) => p.status !== "destroyed"),
      pr.merged ? "the pull request was merged" : "the pull request was closed",
    );
    return post();
  }
  if (spec.action === "destroy" || spec.action === "recreate") {
    const targets = mine.filter((p) => p.status !== "destroyed");
    const reason = spec.reason ?? `\`/preview ${spec.action}\` by @\u200b${spec.actor}`;
    for (const n of await destroyAll(targets, reason)) retaken.add(n);
    if (spec.action === "destroy") {
      if (!targets.length && byCommand) notices.push("There is no preview to destroy.");
      return post();
    }
  }
  // A closed PR is not synced; a recreate's destroy above still reports what it did.
  if (pr.state !== "open") return spec.action === "recreate" && live.length ? post() : undefined;
  // Pushes in a row: the newest queued sync applies the newest head; this one would only be replaced.
  const newer = (await deps.store.activeJobsOf(name, pr.number)).some(
    (j) =>
      j.id > job.id && j.status === "queued" && j.spec.kind === "preview" && (j.spec.action === "sync" || j.spec.action === "recreate"),
  );
  if (newer && spec.action === "sync") return;
  const synced = await syncAll();
  if (synced || mine.length || notices.length) await post();

  /** Returns the projects whose previews it destroyed (dependents of the targets included). */
  async function destroyAll(targets: PreviewRecord[], reason: string): Promise<string[]> {
    // Each preview is destroyed with the config it was applied from (the PR may have moved or
    // closed since); dependents before the producers whose previews they read.
    const checkouts = new Map<string, Awaited<ReturnType<typeof checkoutAt>>>();
    const settingsBySha = new Map<string, Awaited<ReturnType<typeof settingsAt>>>();
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
        let checkout: Awaited<ReturnType<typeof checkoutAt>>;
        let settings: Awaited<ReturnType<typeof settingsAt>>;
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
        const ctx = context(checkout, previewSettings(settings, [self]), byPerson ? spec.actor : "sluice");
        const done = await destroyPreview(ctx, p, reason, actorAllowed, trusted, { trusted: trustedList, previews });
        record(p.project, done);
        if (done.record?.status !== "destroyed") left.add(p.project);
      }
      return taken.map((t) => t.name).filter((n) => !left.has(n));
    } finally {
      for (const c of checkouts.values()) c.release();
    }
  }

  async function settingsAt(sha: string) {
    const trusted = await trustedCommit(deps, vcs, repo, pr, pr.baseSha);
    const configs = await loadRepoConfigs(deps.workspace, repo, sha, trusted, deps.config.repo_config_file, pr.baseRef);
    return { ...(await pullRequestSettings(deps, vcs, job, pr, trusted, configs.trusted)), configs };
  }

  /** Returns whether any project has a preview (so the comment is worth posting). */
  async function syncAll(): Promise<boolean> {
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
    const people = await previewPeople(vcs, deps, job, pr, byCommand ? actorAllowed : undefined);
    if (!people.ok) {
      notices.push(people.notice);
      return true;
    }
    const checkout = await checkoutAt(pr.headSha);
    // Read now, not at the job's start: a recreate above destroyed some of them.
    const records = await deps.store.previewsOf(name, pr.number);
    const bases = new Map<string, Awaited<ReturnType<typeof checkoutAt>> | undefined>();
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
        // A preview plans and applies the PR's code with the project's preview credentials: as for
        // its autoplan, its author (and whoever asked) must be ones the project's rule lets plan it.
        const mayPlan = await everyoneMayPlan(deps, vcs, settings.identityOf(p), [pr.author, people.actor]);
        if (!mayPlan.allowed) {
          notices.push(`No preview of ${p.name}: ${mayPlan.reasons.join("; ")}.`);
          continue;
        }
        const byNamespace = previewsByNamespace(p.runner);
        const real = byNamespace
          ? realNamespaces([...trustedProjects, ...headProjects])
          : [...trustedProjects, ...headProjects].filter((q) => q.dir === p.dir).map((q) => q.workspace);
        const ws = previewWorkspace(preview.workspace, pr.number, real, byNamespace ? "namespace" : "workspace");
        if (!ws.ok) {
          notices.push(`No preview of ${p.name}: ${ws.reason}.`);
          continue;
        }
        // The base branch moved the preview (its template, the project's dir or tool): the record
        // is keyed by project, so a sync would overwrite it and leave the standing preview running
        // where no record names it. It is torn down where it lives first; until that succeeds, it stays.
        const standing = await deps.store.getPreview({ repo: name, pr: pr.number, project: p.name });
        if (standing && standing.status !== "destroyed" && previewMoved(standing, p, ws.workspace)) {
          const from = `${standing.dir}, ${standing.workspace}`;
          const gone = await destroyAll([standing], `the base branch moved its preview (${from} → ${p.dir}, ${ws.workspace})`);
          if (!gone.includes(p.name)) {
            notices.push(`No preview of ${p.name} in ${ws.workspace} yet: the one in ${standing.workspace} is not destroyed.`);
            continue;
          }
        }
        const ctx = context(
          checkout,
          previewSettings(settings, [{ project: { ...p, workspace: ws.workspace }, trusted: p }]),
          people.actor,
        );
        const base = await baseOf(p);
        const from = { trusted: trustedProjects, previews, previewOnly, baseCheckoutDir: base?.dir };
        const synced = await syncPreview(ctx, p, preview, ws.workspace, people.allowed, from);
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
}

export type { Spec as PreviewSpec };
