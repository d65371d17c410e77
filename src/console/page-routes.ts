import type { IncomingMessage, ServerResponse } from "node:http";
import { AnsiUp } from "ansi_up";
import { repoFullName } from "../model/repo.js";
import { isRowId } from "../model/row-id.js";
import type { LiveApply } from "../store/store.js";
import { AUDIT_COLUMNS, toCsv } from "./audit-rows.js";
import { type ConsoleContext, flashOf, type Viewer } from "./console-context.js";
import { renderPage } from "./console-templates.js";
import { SECURITY_HEADERS, sendHtml, sendJson } from "./http-replies.js";
import { streamJobEvents } from "./job-events.js";
import { logText } from "./log-text.js";
import { readableAudit } from "./readable-audit.js";
import { canWrite, overviewRows, type OverviewFilter, STATUSES } from "./overview-rows.js";

// The console's read-only pages: overview, job (and its event stream), locks, audit.

const PAGE_SIZE = 200;
/** The audit page's (and its exports') rows: the newest the viewer may read. */
const AUDIT_LIMIT = 5000;
const LIVE = new Set(["queued", "running"]);

export async function overview(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer) {
  const { deps, store, layout, pauseState } = ctx;
  const q = url.searchParams;
  const status = q.get("status") ?? "";
  const filter: OverviewFilter = {
    repo: q.get("repo") || undefined,
    status:
      (STATUSES as readonly string[]).includes(status) || status === "locked" || status === "drifted"
        ? (status as OverviewFilter["status"])
        : undefined,
    q: q.get("q") || undefined,
  };
  const [activity, locks, pause, checks, pauses, holds] = await Promise.all([
    store.projectActivity(),
    store.allLocks(),
    pauseState(),
    store.driftChecks(),
    store.driftPauses(),
    store.stateHolds(),
  ]);
  const drift = {
    checks,
    pauses,
    live: await liveRecords(
      ctx,
      v,
      [...activity, ...checks].map((a) => a.repo),
    ),
  };
  const rows = overviewRows(activity, locks, v.access, filter, drift);
  const total = overviewRows(activity, locks, v.access, {}, drift).length;
  const repos = [...new Set([...v.access.entries()].filter(([, p]) => p !== "none").map(([r]) => r))].sort();
  const shown = rows.slice(0, PAGE_SIZE);
  sendHtml(
    res,
    200,
    renderPage("overview", layout(v, "Overview", { nav: "overview", pause, flash: flashOf(q.get("done")) }), {
      rows: shown,
      holds: holds.filter((h) => ctx.readable(v, h.repo)),
      shown: shown.length,
      total,
      more: rows.length > shown.length,
      repos,
      statuses: [...STATUSES, "locked", "drifted"],
      filter,
      web: deps.githubWebUrl,
    }),
  );
}

/** The live record of the readable repos among `repos` (one read per repo): what each project runs. */
async function liveRecords(ctx: ConsoleContext, v: Viewer, repos: string[]): Promise<LiveApply[]> {
  const readableRepos = [...new Set(repos)].filter((r) => ctx.readable(v, r));
  return (await Promise.all(readableRepos.map((r) => ctx.store.liveApplies(r)))).flat();
}

export async function jobPage(ctx: ConsoleContext, res: ServerResponse, v: Viewer, id: number) {
  const { deps, store, layout, message, readable, pauseState } = ctx;
  const job = isRowId(id) ? await store.getJob(id) : undefined;
  // A job of a repo the user cannot read does not exist for them.
  if (!job || !readable(v, repoFullName(job.target.repo)))
    return message(res, 404, v, "No such job", `There is no job ${id} you can see.`, { href: "/", text: "Overview" });
  const [streams, chunks, pause] = await Promise.all([store.jobLogStreams(id), store.readJobLog(id, 0, 1_000_000), pauseState()]);
  // A project's log is read whole: a sequence its chunks split (a line over the live redactor's
  // limit is stored in pieces) is one on the page, and logText must see it whole to take out an
  // ESC ansi_up would wait on for ever.
  const texts = new Map<string, string>();
  for (const c of chunks) texts.set(c.project, (texts.get(c.project) ?? "") + c.text);
  const html = new Map<string, string>();
  for (const [project, text] of texts) {
    const a = new AnsiUp();
    a.use_classes = true;
    html.set(project, a.ansi_to_html(logText(text)));
  }
  const spec = job.spec;
  sendHtml(
    res,
    200,
    renderPage("job", layout(v, `Job ${id}`, { pause, script: "/assets/job.js" }), {
      job,
      kind: spec.kind,
      actor: spec.actor,
      repo: repoFullName(job.target.repo),
      streams: streams.map((s) => ({ project: s.project, truncated: s.truncated, html: html.get(s.project) ?? "" })),
      after: chunks.at(-1)?.seq ?? 0,
      live: LIVE.has(job.status),
      web: deps.githubWebUrl,
    }),
  );
}

export async function jobEvents(
  ctx: ConsoleContext,
  signal: AbortSignal,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  v: Viewer,
  id: number,
) {
  const { deps, store, readable, stillReads } = ctx;
  const job = isRowId(id) ? await store.getJob(id) : undefined;
  const repo = job && repoFullName(job.target.repo);
  if (!repo || !readable(v, repo)) return sendJson(res, 404, { error: "no such job" });
  await streamJobEvents(req, res, store, id, Number(url.searchParams.get("after")) || 0, {
    pollMs: deps.eventPollMs,
    recheckMs: deps.eventRecheckMs,
    signal,
    stillAllowed: () => stillReads(v, repo),
  });
}

export async function locksPage(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer) {
  const { deps, store, layout, readable, pauseState } = ctx;
  const [locks, pause, holds] = await Promise.all([store.allLocks(), pauseState(), store.stateHolds()]);
  // A hold is keyed by dir and workspace (the project's trusted identity), as the lock's place is.
  const held = new Set(holds.map((h) => JSON.stringify([h.repo, h.dir, h.workspace])));
  const visible = locks
    .filter((l) => readable(v, l.repo))
    .map((l) => ({
      ...l,
      canWrite: canWrite(v.access.get(l.repo.toLowerCase())),
      held: held.has(JSON.stringify([l.repo, l.dir, l.workspace])),
    }));
  sendHtml(
    res,
    200,
    renderPage("locks", layout(v, "Locks", { nav: "locks", pause, flash: flashOf(url.searchParams.get("done")) }), {
      locks: visible,
      web: deps.githubWebUrl,
    }),
  );
}

export async function audit(ctx: ConsoleContext, res: ServerResponse, url: URL, v: Viewer, format: "html" | "csv" | "json") {
  const { deps, store, layout, readable, pauseState } = ctx;
  const q = url.searchParams;
  const filter = { repo: q.get("repo") || undefined, action: q.get("action") || undefined, actor: q.get("actor") || undefined };
  const rows = await readableAudit(store, { readable: (repo) => readable(v, repo), admin: v.admin === true }, filter, AUDIT_LIMIT);
  if (format === "csv") {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": 'attachment; filename="sluice-audit.csv"',
    });
    res.end(toCsv(rows));
    return;
  }
  if (format === "json") {
    return sendJson(
      res,
      200,
      rows.map((r) => Object.fromEntries([...AUDIT_COLUMNS.map((c) => [c, r[c]]), ["jobId", r.jobId]])),
      {
        "content-disposition": 'attachment; filename="sluice-audit.json"',
      },
    );
  }
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => Boolean(e[1]))).toString();
  sendHtml(
    res,
    200,
    renderPage("audit", layout(v, "Audit", { nav: "audit", pause: await pauseState() }), {
      rows,
      filter,
      query,
      actions: [
        "apply",
        "unlock",
        "pause",
        "resume",
        "drift-pause",
        "drift-resume",
        "reconcile",
        "preview-destroy",
        "api-token-issue",
        "api-token-revoke",
      ],
      web: deps.githubWebUrl,
    }),
  );
}
