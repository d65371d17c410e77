import type { components } from "@octokit/openapi-types";
import { grants } from "../../src/app/github-permissions.js";
import { appIdOf } from "./app-json.js";
import { repositoryJson } from "./repository-json.js";
import { DOCS, RestError, ok, paginate, stringField, validationFailed } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { ShapeCtx } from "./shape-ctx.js";
import type { SimCore } from "./sim-core.js";
import type { CommitStatusName, CommitStatusState, SimRepo } from "./sim-types.js";
import { combinedState } from "./status-checks.js";
import { loginJson } from "./user-json.js";

type S = components["schemas"];
const STATES: readonly string[] = ["error", "failure", "pending", "success"];

export function commitStatusJson(ctx: ShapeCtx, s: CommitStatusState): S["status"] {
  return {
    url: `${ctx.api}/repos/${s.repo.fullName}/statuses/${s.sha}`,
    avatar_url: null,
    id: s.id,
    node_id: Buffer.from(`011:StatusContext${s.id}`).toString("base64"),
    state: s.state,
    description: s.description,
    target_url: s.target_url,
    context: s.context,
    created_at: s.createdAt,
    updated_at: s.createdAt,
    creator: loginJson(ctx, s.creator),
  };
}

/** A new status, as GitHub records it (shared by the route and the scenario's CI). */
export function addCommitStatus(
  core: SimCore,
  repo: SimRepo,
  sha: string,
  s: { state: CommitStatusName; context?: string; description?: string; targetUrl?: string; creator: string },
): CommitStatusState {
  const status: CommitStatusState = {
    id: core.state.nextId("status"),
    repo,
    sha,
    // GitHub: "context ... Default: default".
    context: s.context ?? "default",
    state: s.state,
    description: s.description ?? null,
    target_url: s.targetUrl ?? null,
    creator: s.creator,
    createdAt: core.now(),
  };
  core.state.statuses.push(status);
  return status;
}

/**
 * The rules of a branch, and the Status API: `POST /repos/{owner}/{repo}/statuses/{sha}` (an app needs Commit statuses:
 * write) and the combined status of a ref (Commit statuses: read), the newest status per context.
 */
export function registerStatusRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, git } = core;
  const need = (access: "read" | "write") => {
    if (grants(ctx.app.permissions, "statuses", access)) return;
    throw new RestError(
      403,
      { message: "Resource not accessible by integration", documentation_url: DOCS, status: "403" },
      { "x-accepted-github-permissions": `statuses=${access}` },
    );
  };
  const shaOf = async (repo: SimRepo, ref: string) => {
    const sha = await git.resolve(repo.dir, ref);
    if (!sha) throw new RestError(422, { message: `No commit found for SHA: ${ref}`, documentation_url: DOCS, status: "422" });
    return sha;
  };

  router.add("POST", "/repos/{owner}/{repo}/statuses/{sha}", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    need("write");
    const state = stringField(req.body, "state");
    if (!state || !STATES.includes(state)) throw validationFailed({ resource: "Status", field: "state", code: "custom" });
    const sha = await shaOf(repo, req.params.sha ?? "");
    const s = addCommitStatus(core, repo, sha, {
      state: state as CommitStatusName,
      context: stringField(req.body, "context"),
      description: stringField(req.body, "description"),
      targetUrl: stringField(req.body, "target_url"),
      creator: ctx.app.botLogin,
    });
    return ok(commitStatusJson(ctx, s), 201);
  });

  // Rulesets' active rules for a branch (Metadata: read): here only `required_status_checks`.
  router.add("GET", "/repos/{owner}/{repo}/rules/branches/{branch}", "token", (req) => {
    const repo = core.repoOr404(req.params);
    const branch = req.params.branch ?? "";
    const checks = repo.rulesetChecks?.get(branch) ?? [];
    const apps = repo.requiredCheckApps?.get(branch) ?? {};
    const integration = (context: string) => (apps[context] === undefined ? {} : { integration_id: appIdOf(ctx.app, apps[context]) });
    const rules = checks.length
      ? [
          {
            type: "required_status_checks",
            parameters: {
              strict_required_status_checks_policy: false,
              required_status_checks: checks.map((context) => ({ context, ...integration(context) })),
            },
            ruleset_source_type: "Repository",
            ruleset_source: repo.fullName,
            ruleset_id: 1,
          },
        ]
      : [];
    const { page, headers } = paginate(req, rules, `${ctx.api}/repos/${repo.fullName}/rules/branches/${branch}`);
    return ok(page, 200, headers);
  });

  router.add("GET", "/repos/{owner}/{repo}/commits/{ref}/status", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    need("read");
    const sha = await shaOf(repo, req.params.ref ?? "");
    const all = core.state.statuses.filter((s) => s.repo === repo && s.sha === sha).sort((a, b) => b.id - a.id);
    const newest = all.filter((s, i) => all.findIndex((o) => o.context === s.context) === i);
    return ok({
      state: combinedState(newest),
      statuses: newest.map((s) => {
        const { creator: _, ...simple } = commitStatusJson(ctx, s);
        return { ...simple, required: null };
      }),
      sha,
      total_count: newest.length,
      repository: repositoryJson(ctx, repo),
      commit_url: `${ctx.api}/repos/${repo.fullName}/commits/${sha}`,
      url: `${ctx.api}/repos/${repo.fullName}/commits/${sha}/status`,
    });
  });
}
