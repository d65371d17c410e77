import { z } from "zod";
import { readable } from "../console/principal.js";
import { logText } from "../console/log-text.js";
import { canWrite } from "../console/overview-rows.js";
import { previewRows } from "../console/preview-routes.js";
import { readableAudit } from "../console/readable-audit.js";
import { repoFullName } from "../model/repo.js";
import { isRowId } from "../model/row-id.js";
import { type ApiRoute, repoName, route } from "./api-route.js";
import { apiActivity } from "./plan-view.js";

// The API's reads: what a viewer sees in the console, limited the same way to readable repositories.

const repoFilter = z.object({ repo: repoName.optional() });
const noSuchJob = { status: 404, body: { error: "There is no such job you can see." } };

const lock = z.object({
  repo: z.string(),
  project: z.string(),
  dir: z.string(),
  workspace: z.string(),
  pr: z.number(),
  createdAt: z.string(),
  waiting: z.array(z.number()),
  canUnlock: z.boolean(),
});

const job = z.object({
  id: z.number(),
  kind: z.string(),
  status: z.string(),
  repo: z.string(),
  pr: z.number(),
  actor: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

const auditRow = z.object({
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  repo: z.string(),
  project: z.string(),
  pr: z.string(),
  detail: z.string(),
  jobId: z.number().optional(),
});

export const readRoutes: ApiRoute[] = [
  route({
    method: "GET",
    path: "/api/v1/whoami",
    summary: "Who the token stands for: identity, scopes, and the repositories it may read",
    scope: "read",
    response: z.object({ actor: z.string(), scopes: z.array(z.string()), admin: z.boolean(), repos: z.record(z.string(), z.string()) }),
    run: async (_deps, c) => ({
      status: 200,
      body: { actor: c.actor, scopes: [...c.scopes], admin: c.admin, repos: Object.fromEntries(c.access) },
    }),
  }),
  route({
    method: "GET",
    path: "/api/v1/locks",
    summary: "Project locks held by pull requests, with the PRs waiting for them",
    scope: "read",
    query: repoFilter,
    response: z.array(lock),
    run: async (deps, c, { query }) => ({
      status: 200,
      body: (await deps.store.allLocks())
        .filter((l) => readable(c, l.repo) && (!query.repo || l.repo === query.repo))
        .map((l) => ({
          repo: l.repo,
          project: l.project,
          dir: l.dir,
          workspace: l.workspace,
          pr: l.pr,
          createdAt: l.createdAt,
          waiting: l.waiting,
          canUnlock: canWrite(c.access.get(l.repo.toLowerCase())),
        })),
    }),
  }),
  route({
    method: "GET",
    path: "/api/v1/jobs/{id}",
    summary: "One job: its kind, status, repository, pull request and who asked",
    scope: "read",
    params: z.object({ id: z.coerce.number().int().positive() }),
    response: job,
    run: async (deps, c, { params }) => {
      const j = isRowId(params.id) ? await deps.store.getJob(params.id) : undefined;
      const repo = j ? repoFullName(j.target.repo) : "";
      if (!j || !readable(c, repo)) return noSuchJob;
      return {
        status: 200,
        body: {
          id: j.id,
          kind: j.spec.kind,
          status: j.status,
          repo,
          pr: j.target.pr,
          actor: j.spec.actor,
          createdAt: j.createdAt,
          updatedAt: j.updatedAt,
        },
      };
    },
  }),
  route({
    method: "GET",
    path: "/api/v1/jobs/{id}/log",
    summary:
      "A job's output per project (redacted, as the console shows it: colours kept, terminal hyperlinks as their text, no other operating system command)",
    scope: "read",
    params: z.object({ id: z.coerce.number().int().positive() }),
    response: z.object({ streams: z.array(z.object({ project: z.string(), truncated: z.boolean(), text: z.string() })) }),
    run: async (deps, c, { params }) => {
      const j = isRowId(params.id) ? await deps.store.getJob(params.id) : undefined;
      if (!j || !readable(c, repoFullName(j.target.repo))) return noSuchJob;
      const [streams, chunks] = await Promise.all([deps.store.jobLogStreams(params.id), deps.store.readJobLog(params.id, 0, 1_000_000)]);
      const text = new Map<string, string>();
      for (const ch of chunks) text.set(ch.project, (text.get(ch.project) ?? "") + ch.text);
      return {
        status: 200,
        // Read as the job page reads it (log-text.ts), whole: a script prints it in a terminal,
        // where the run's hyperlinks and other commands (OSC 52 writes the clipboard) would act.
        body: { streams: streams.map((s) => ({ project: s.project, truncated: s.truncated, text: logText(text.get(s.project) ?? "") })) },
      };
    },
  }),
  route({
    method: "GET",
    path: "/api/v1/plans",
    summary: "Every project's last plan (its summary: counts, resources, outputs; never a digest of values), last apply and what is live",
    scope: "read",
    query: repoFilter,
    response: z.array(z.looseObject({ repo: z.string(), project: z.string() })),
    run: async (deps, c, { query }) => ({
      status: 200,
      body: (await deps.store.projectActivity())
        .filter((a) => readable(c, a.repo) && (!query.repo || a.repo === query.repo))
        .map(apiActivity),
    }),
  }),
  route({
    method: "GET",
    path: "/api/v1/drift",
    summary: "Each project's last drift check, and the projects whose reconciliation is paused",
    scope: "read",
    query: repoFilter,
    response: z.object({
      checks: z.array(z.looseObject({ repo: z.string(), project: z.string(), status: z.string() })),
      pauses: z.array(z.looseObject({ repo: z.string(), project: z.string() })),
    }),
    run: async (deps, c, { query }) => {
      const mine = (r: { repo: string }) => readable(c, r.repo) && (!query.repo || r.repo === query.repo);
      const [checks, pauses] = await Promise.all([deps.store.driftChecks(), deps.store.driftPauses()]);
      return { status: 200, body: { checks: checks.filter(mine), pauses: pauses.filter(mine) } };
    },
  }),
  route({
    method: "GET",
    path: "/api/v1/previews",
    summary: "Live previews: workspace, pull request, status, age, TTL and when each goes",
    scope: "read",
    response: z.array(z.looseObject({ repo: z.string(), pr: z.number(), project: z.string(), status: z.string() })),
    run: async (deps, c) => ({
      status: 200,
      body: previewRows(
        (await deps.store.activePreviews()).filter((p) => readable(c, p.repo)),
        Date.now(),
      ),
    }),
  }),
  route({
    method: "GET",
    path: "/api/v1/audit",
    summary: "The audit trail (applies and every console or API action), newest first",
    scope: "read",
    query: z.object({
      repo: repoName.optional(),
      action: z.string().optional(),
      actor: z.string().optional(),
      limit: z.coerce.number().int().min(1).max(5000).default(500),
    }),
    response: z.array(auditRow),
    run: async (deps, c, { query }) => {
      const filter = { repo: query.repo, action: query.action, actor: query.actor };
      return {
        status: 200,
        body: await readableAudit(deps.store, { readable: (repo) => readable(c, repo), admin: c.admin }, filter, query.limit),
      };
    },
  }),
  route({
    method: "GET",
    path: "/api/v1/applies/pause",
    summary: "Whether every apply of the server is paused, by whom and why",
    scope: "read",
    response: z.object({ paused: z.boolean(), by: z.string().optional(), reason: z.string().optional(), at: z.string().optional() }),
    run: async (deps) => {
      const p = await deps.store.appliesPaused();
      return { status: 200, body: p ? { paused: true, ...p } : { paused: false } };
    },
  }),
];
