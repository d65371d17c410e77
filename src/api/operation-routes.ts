import { z } from "zod";
import { destroyPreviewAction, driftPauseAction, pauseAction, unlockAction } from "../console/console-actions.js";
import { type ApiRoute, answer, repoName, route } from "./api-route.js";

// The API's operations: each calls the same function as the console's form (console-actions.ts),
// so the rules, the jobs queued (and the gate they meet) and the audit events are the same.

const queued = z.object({ jobId: z.number() });
const done = z.object({ action: z.string() });
const projectRef = z.object({ repo: repoName, project: z.string().min(1) });

export const operationRoutes: ApiRoute[] = [
  route({
    method: "POST",
    path: "/api/v1/locks/unlock",
    summary: "Releases a pull request's lock through the job `/unlock` runs (its plans are discarded, waiters re-planned)",
    scope: "operate",
    body: z.object({
      repo: repoName,
      pr: z.number().int().positive(),
      dir: z.string(),
      workspace: z.string(),
      project: z.string().optional(),
    }),
    response: queued,
    okStatus: 202,
    run: async (deps, c, { body }) => answer(await unlockAction(deps, c, body), (v) => v, 202),
  }),
  route({
    method: "POST",
    path: "/api/v1/applies/pause",
    summary: "Pauses every apply of the server (each is refused with the reason)",
    scope: "operate",
    body: z.object({ reason: z.string().min(1).max(200) }),
    response: done,
    run: async (deps, c, { body }) => answer(await pauseAction(deps, c, "pause", { reason: body.reason }), (v) => v),
  }),
  route({
    method: "POST",
    path: "/api/v1/applies/resume",
    summary:
      "Resumes applies; with `pausedAt` (the `at` of GET /api/v1/applies/pause), only that pause is lifted: one set since stays (409)",
    scope: "operate",
    body: z.object({ pausedAt: z.string().max(40).optional() }),
    response: done,
    run: async (deps, c, { body }) => answer(await pauseAction(deps, c, "resume", body), (v) => v),
  }),
  route({
    method: "POST",
    path: "/api/v1/drift/pause",
    summary: "Pauses reconciliation of a project (drift checks still report it)",
    scope: "operate",
    body: projectRef.extend({ reason: z.string().min(1).max(300) }),
    response: done,
    run: async (deps, c, { body }) => answer(await driftPauseAction(deps, c, { ...body, action: "pause" }), (v) => v),
  }),
  route({
    method: "POST",
    path: "/api/v1/drift/resume",
    summary:
      "Resumes reconciliation of a project through the job `/drift resume` runs (it asks the server's permissions rule for applying the project; its answer is in the job's log)",
    scope: "operate",
    body: projectRef,
    response: queued,
    okStatus: 202,
    run: async (deps, c, { body }) =>
      answer(await driftPauseAction(deps, c, { ...body, action: "resume" }), (v) => ("jobId" in v ? { jobId: v.jobId } : v), 202),
  }),
  route({
    method: "POST",
    path: "/api/v1/previews/destroy",
    summary: "Destroys a live preview through the job `/preview destroy` runs",
    scope: "operate",
    body: z.object({ repo: repoName, pr: z.number().int().positive(), project: z.string().min(1) }),
    response: queued,
    okStatus: 202,
    run: async (deps, c, { body }) => answer(await destroyPreviewAction(deps, c, body), (v) => v, 202),
  }),
];
