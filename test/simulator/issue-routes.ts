import type { components } from "@octokit/openapi-types";
import { appIdOf } from "./app-json.js";
import { deploymentJson, deploymentStatusJson, issueJson } from "./issue-json.js";
import { DOCS, RestError, invalidRequest, notFound, ok, paginate, stringField, validationFailed } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { DeploymentSimState, IssueState } from "./sim-types.js";

type S = components["schemas"];
const DEPLOYMENT_STATES = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];

/** Issues (not PRs), branches, deployments and deployment statuses: what pull mode uses. */
export function registerIssueRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, state, git } = core;

  const issueOr404 = (params: Record<string, string>): IssueState => {
    const repo = core.repoOr404(params);
    const issue = state.issue(repo, Number(params.issue_number));
    if (!issue) throw notFound();
    return issue;
  };
  const labelsOf = (body: Record<string, unknown>): string[] | undefined => {
    const labels = body.labels;
    if (labels === undefined) return undefined;
    if (!Array.isArray(labels)) throw validationFailed({ resource: "Issue", code: "invalid", field: "labels" });
    return labels.map((l) => (typeof l === "string" ? l : String((l as { name?: unknown }).name ?? "")));
  };

  router.add("POST", "/repos/{owner}/{repo}/issues", "token", (req) => {
    const repo = core.repoOr404(req.params);
    const title = stringField(req.body, "title");
    if (!title) throw validationFailed({ resource: "Issue", code: "missing_field", field: "title" });
    const at = core.now();
    const body = stringField(req.body, "body") ?? "";
    const issue: IssueState = {
      id: state.nextId("issue"),
      number: state.nextIssueNumber(repo),
      repo,
      title,
      body,
      author: ctx.app.botLogin,
      state: "open",
      // GitHub creates labels it does not know when the caller may push: the app may.
      labels: labelsOf(req.body) ?? [],
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      history: [body],
    };
    state.addIssue(issue);
    const json = issueJson(ctx, issue);
    return ok(json, 201, { location: json.url });
  });

  router.add("GET", "/repos/{owner}/{repo}/issues", "token", (req) => {
    const repo = core.repoOr404(req.params);
    const wantState = req.query.get("state") ?? "open";
    const labels = (req.query.get("labels") ?? "").split(",").filter((l) => l !== "");
    const list = [...state.issues.values()]
      .filter((i) => i.repo === repo && (wantState === "all" || i.state === wantState) && labels.every((l) => i.labels.includes(l)))
      .sort((a, b) => b.number - a.number);
    const { page, headers } = paginate(req, list, `${ctx.api}/repos/${repo.fullName}/issues`);
    return ok(
      page.map((i) => issueJson(ctx, i)),
      200,
      headers,
    );
  });

  router.add("GET", "/repos/{owner}/{repo}/issues/{issue_number}", "token", (req) => ok(issueJson(ctx, issueOr404(req.params))));

  router.add("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", "token", (req) => {
    const issue = issueOr404(req.params);
    const title = stringField(req.body, "title");
    const body = stringField(req.body, "body");
    const next = stringField(req.body, "state");
    if (next !== undefined && next !== "open" && next !== "closed")
      throw validationFailed({ resource: "Issue", code: "invalid", field: "state" });
    if (title !== undefined) issue.title = title;
    if (body !== undefined) {
      issue.body = body;
      issue.history.push(body);
    }
    const labels = labelsOf(req.body);
    if (labels) issue.labels = labels;
    const at = core.now();
    const changed = next !== undefined && next !== issue.state;
    if (changed) {
      issue.state = next;
      issue.closedAt = next === "closed" ? at : null;
    }
    issue.updatedAt = at;
    if (changed) core.issueStateChanged(issue, ctx.app.botLogin);
    return ok(issueJson(ctx, issue));
  });

  router.add("GET", "/repos/{owner}/{repo}/branches/{branch}", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const name = req.params.branch ?? "";
    const sha = await git.branchSha(repo.dir, name);
    if (!sha) throw new RestError(404, { message: "Branch not found", documentation_url: DOCS, status: "404" });
    const a = `${ctx.api}/repos/${repo.fullName}`;
    const contexts = repo.requiredChecks?.get(name) ?? [];
    const apps = repo.requiredCheckApps?.get(name) ?? {};
    // The expected app's id, as its check runs show it.
    const appId = (context: string) => (apps[context] === undefined ? null : appIdOf(ctx.app, apps[context]));
    const body: Pick<S["branch-with-protection"], "name" | "protected" | "protection_url" | "_links"> & {
      commit: Pick<S["commit"], "sha" | "url" | "html_url">;
      protection?: Pick<S["branch-protection"], "enabled" | "required_status_checks">;
    } = {
      name,
      commit: { sha, url: `${a}/commits/${sha}`, html_url: `${repo.htmlUrl}/commit/${sha}` },
      _links: { html: `${repo.htmlUrl}/tree/${name}`, self: `${a}/branches/${name}` },
      protected: repo.protectedBranches?.has(name) ?? false,
      protection_url: `${a}/branches/${name}/protection`,
      // The summary GitHub shows anyone who may read the branch: classic protection's required checks.
      ...(repo.protectedBranches?.has(name)
        ? {
            protection: {
              enabled: true,
              required_status_checks: {
                enforcement_level: "non_admins",
                contexts,
                checks: contexts.map((context) => ({ context, app_id: appId(context) })),
              },
            },
          }
        : {}),
    };
    return ok(body);
  });

  router.add("POST", "/repos/{owner}/{repo}/deployments", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const ref = stringField(req.body, "ref");
    if (!ref) throw validationFailed({ resource: "Deployment", code: "missing_field", field: "ref" });
    const sha = (await git.resolve(repo.dir, ref)) ?? (await git.branchSha(repo.dir, ref));
    if (!sha) throw new RestError(422, { message: `No ref found for: ${ref}`, documentation_url: DOCS, status: "422" });
    const d: DeploymentSimState = {
      id: state.nextId("deployment"),
      repo,
      sha,
      ref,
      environment: stringField(req.body, "environment") ?? "production",
      transient: req.body !== null && typeof req.body === "object" && (req.body as Record<string, unknown>).transient_environment === true,
      description: stringField(req.body, "description") ?? null,
      creator: ctx.app.botLogin,
      createdAt: core.now(),
      statuses: [],
    };
    state.deployments.push(d);
    return ok(deploymentJson(ctx, d), 201);
  });

  router.add("GET", "/repos/{owner}/{repo}/deployments", "token", (req) => {
    const repo = core.repoOr404(req.params);
    const env = req.query.get("environment");
    const list = state.deployments.filter((d) => d.repo === repo && (!env || d.environment === env)).sort((a, b) => b.id - a.id);
    const { page, headers } = paginate(req, list, `${ctx.api}/repos/${repo.fullName}/deployments`);
    return ok(
      page.map((d) => deploymentJson(ctx, d)),
      200,
      headers,
    );
  });

  const deploymentOr404 = (params: Record<string, string>) => {
    const repo = core.repoOr404(params);
    const d = state.deployments.find((x) => x.repo === repo && x.id === Number(params.deployment_id));
    if (!d) throw notFound();
    return d;
  };

  router.add("POST", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "token", (req) => {
    const d = deploymentOr404(req.params);
    const st = stringField(req.body, "state");
    if (!st || !DEPLOYMENT_STATES.includes(st))
      throw invalidRequest(`For 'properties/state', ${JSON.stringify(st)} is not one of ${JSON.stringify(DEPLOYMENT_STATES)}.`);
    const s = {
      id: state.nextId("deploymentStatus"),
      state: st,
      description: stringField(req.body, "description") ?? "",
      environmentUrl: stringField(req.body, "environment_url") ?? "",
      createdAt: core.now(),
    };
    d.statuses.push(s);
    return ok(deploymentStatusJson(ctx, d, s), 201);
  });

  router.add("GET", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses", "token", (req) => {
    const d = deploymentOr404(req.params);
    return ok([...d.statuses].reverse().map((s) => deploymentStatusJson(ctx, d, s)));
  });
}
