import type { components } from "@octokit/openapi-types";
import { pullRequestJson, reviewJson } from "./github-shapes.js";
import { ok, paginate, stringField } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";

type S = components["schemas"];

// GitHub stops listing a PR's files after 3000, silently.
const MAX_FILES = 3000;

export function registerPullRoutes(router: RestRouter, core: SimCore): void {
  const { ctx, state, git } = core;

  router.add("GET", "/repos/{owner}/{repo}/pulls", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const wanted = req.query.get("state") ?? "open";
    const pulls = [...state.pulls.values()]
      .filter((p) => p.repo === repo && (wanted === "all" || p.state === wanted))
      .sort((a, b) => b.number - a.number);
    const { page, headers } = paginate(req, pulls, `${ctx.api}/repos/${repo.fullName}/pulls`);
    const body = await Promise.all(page.map(async (p) => pullRequestJson(ctx, p, await core.pullFacts(p))));
    return ok(body, 200, headers);
  });

  router.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", "token", async (req) => {
    const pr = core.pullOr404(core.repoOr404(req.params), req.params.pull_number);
    return ok(pullRequestJson(ctx, pr, await core.pullFacts(pr)));
  });

  router.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/files", "token", async (req) => {
    const repo = core.repoOr404(req.params);
    const pr = core.pullOr404(repo, req.params.pull_number);
    const facts = await core.pullFacts(pr);
    const files = (await git.changedFiles(repo.dir, facts.baseSha, pr.headSha)).slice(0, MAX_FILES);
    const entries: S["diff-entry"][] = files.map((f) => ({
      sha: f.sha,
      filename: f.filename,
      status: f.status,
      additions: f.additions,
      deletions: f.deletions,
      changes: f.additions + f.deletions,
      blob_url: `${repo.htmlUrl}/blob/${pr.headSha}/${f.filename}`,
      raw_url: `${repo.htmlUrl}/raw/${pr.headSha}/${f.filename}`,
      contents_url: `${ctx.api}/repos/${repo.fullName}/contents/${f.filename}?ref=${pr.headSha}`,
      ...(f.previousFilename ? { previous_filename: f.previousFilename } : {}),
    }));
    const { page, headers } = paginate(req, entries, `${ctx.api}/repos/${repo.fullName}/pulls/${pr.number}/files`);
    return ok(page, 200, headers);
  });

  router.add("GET", "/repos/{owner}/{repo}/pulls/{pull_number}/reviews", "token", (req) => {
    const repo = core.repoOr404(req.params);
    const pr = core.pullOr404(repo, req.params.pull_number);
    const reviews = state.reviews.filter((r) => r.repo === repo && r.pullNumber === pr.number).map((r) => reviewJson(ctx, r));
    const { page, headers } = paginate(req, reviews, `${ctx.api}/repos/${repo.fullName}/pulls/${pr.number}/reviews`);
    return ok(page, 200, headers);
  });

  router.add("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", "token", async (req) => {
    const pr = core.pullOr404(core.repoOr404(req.params), req.params.pull_number);
    const method = stringField(req.body, "merge_method");
    const sha = await core.mergePull(pr, {
      method: method === "squash" || method === "rebase" ? method : "merge",
      sha: stringField(req.body, "sha"),
      title: stringField(req.body, "commit_title"),
      message: stringField(req.body, "commit_message"),
      by: ctx.app.botLogin,
    });
    // GitHub announces the merge to the app after answering, like any other PR close.
    core.webhooks.background("pull_request", core.pullRequestEvent("closed", pr, ctx.app.botLogin));
    const body: S["pull-request-merge-result"] = { sha, merged: true, message: "Pull Request successfully merged" };
    return ok(body);
  });
}
