import type { components } from "@octokit/openapi-types";
import { issueCommentJson } from "./github-shapes.js";
import { loginJson } from "./user-json.js";
import { DOCS, RestError, notFound, ok, paginate, stringField, validationFailed, type RestRequest } from "./rest-reply.js";
import type { RestRouter } from "./rest-router.js";
import type { SimCore } from "./sim-core.js";
import type { CommentState, RejectedComment } from "./sim-types.js";

export const MAX_COMMENT_CHARS = 65_536;
const REACTIONS = ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"] as const;

export function registerCommentRoutes(router: RestRouter, core: SimCore, rejected: RejectedComment[]): void {
  const { ctx, state } = core;

  /** Body checks shared by create and edit; a too-long body is recorded so tests can assert on it. */
  const checkedBody = (req: RestRequest, issueNumber: number, commentId: number | null): string => {
    const body = stringField(req.body, "body");
    if (body === undefined) throw validationFailed({ resource: "IssueComment", code: "missing_field", field: "body" });
    // GitHub counts characters, not UTF-16 units or bytes.
    const length = body.length > MAX_COMMENT_CHARS ? [...body].length : body.length;
    if (length > MAX_COMMENT_CHARS) {
      rejected.push({ repo: `${req.params.owner}/${req.params.repo}`, issueNumber, commentId, length, at: Date.now() });
      throw new RestError(422, {
        message: "Validation Failed",
        errors: [
          {
            resource: "IssueComment",
            code: "custom",
            field: "body",
            message: `body is too long (maximum is ${MAX_COMMENT_CHARS} characters)`,
          },
        ],
        documentation_url: DOCS,
        status: "422",
      });
    }
    return body;
  };

  const commentOr404 = (req: RestRequest): CommentState => {
    const repo = core.repoOr404(req.params);
    const c = state.comments.get(Number(req.params.comment_id));
    if (!c || c.deleted || c.repo !== repo) throw notFound();
    return c;
  };

  router.add("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "token", (req) => {
    const repo = core.repoOr404(req.params);
    const pr = core.issueOrPullOr404(repo, req.params.issue_number);
    const body = checkedBody(req, pr.number, null);
    const at = core.now();
    const c: CommentState = {
      id: state.nextId("comment"),
      repo,
      issueNumber: pr.number,
      user: ctx.app.botLogin,
      body,
      history: [body],
      deleted: false,
      createdAt: at,
      updatedAt: at,
    };
    state.comments.set(c.id, c);
    state.logComment("created", c);
    core.echoComment("created", c);
    const json = issueCommentJson(ctx, c);
    return ok(json, 201, { location: json.url });
  });

  router.add("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", "token", (req) => {
    const repo = core.repoOr404(req.params);
    const pr = core.issueOrPullOr404(repo, req.params.issue_number);
    const since = req.query.get("since");
    const list = state.commentsOf(repo, pr.number).filter((c) => !since || c.updatedAt >= since);
    const { page, headers } = paginate(req, list, `${ctx.api}/repos/${repo.fullName}/issues/${pr.number}/comments`);
    return ok(
      page.map((c) => issueCommentJson(ctx, c)),
      200,
      headers,
    );
  });

  router.add("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "token", (req) => ok(issueCommentJson(ctx, commentOr404(req))));

  router.add("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "token", (req) => {
    const c = commentOr404(req);
    const body = checkedBody(req, c.issueNumber, c.id);
    const previous = c.body;
    c.body = body;
    c.history.push(body);
    c.updatedAt = core.now();
    state.logComment("edited", c);
    core.echoComment("edited", c, previous);
    return ok(issueCommentJson(ctx, c));
  });

  router.add("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", "token", (req) => {
    const c = commentOr404(req);
    c.deleted = true;
    core.echoComment("deleted", c);
    return { status: 204 };
  });

  router.add("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "token", (req) => {
    const c = commentOr404(req);
    const list = state.reactions.filter((r) => r.commentId === c.id);
    const { page, headers } = paginate(req, list, `${ctx.api}/repos/${c.repo.fullName}/issues/comments/${c.id}/reactions`);
    return ok(
      page.map((r) => reactionJson(r)),
      200,
      headers,
    );
  });

  router.add("POST", "/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", "token", (req) => {
    const c = commentOr404(req);
    const content = stringField(req.body, "content");
    if (!content || !(REACTIONS as readonly string[]).includes(content)) {
      throw validationFailed({ resource: "Reaction", code: "invalid", field: "content" });
    }
    const user = ctx.app.botLogin;
    const existing = state.reactions.find((r) => r.commentId === c.id && r.user === user && r.content === content);
    if (existing) return ok(reactionJson(existing), 200);
    const r = { id: state.nextId("reaction"), commentId: c.id, user, content, createdAt: core.now() };
    state.reactions.push(r);
    return ok(reactionJson(r), 201);
  });

  const reactionJson = (r: (typeof state.reactions)[number]): components["schemas"]["reaction"] => ({
    id: r.id,
    node_id: Buffer.from(`08:Reaction${r.id}`).toString("base64"),
    user: loginJson(ctx, r.user),
    content: r.content as components["schemas"]["reaction"]["content"],
    created_at: r.createdAt,
  });
}
