import type { RepoRef } from "../../model/repo.js";
import { firstLine as firstLineOf, isOurs } from "../../render/comment-body.js";
import { type VcsClient, VcsError } from "../vcs-client.js";
import { type GitHubCalls, notFoundAs } from "./github-calls.js";

/** Sluice's comments: created once however often a call is retried, found again by their marker line. */
export function gitHubComments({
  octokit,
  appSlug,
  request,
  retry,
  ids,
}: GitHubCalls): Pick<VcsClient, "createComment" | "updateComment" | "comment" | "ownComment" | "ownComments" | "react"> {
  /**
   * Our comments start with a unique marker line: find one that an earlier attempt created. Only
   * the app's own comments count; a user who posts the same marker gets nothing of ours.
   */
  async function ownComments(repo: RepoRef, pr: number): Promise<{ id: number; body: string }[]> {
    const self = `${await appSlug()}[bot]`;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...ids(repo),
      issue_number: pr,
      per_page: 100,
      request: request(),
    });
    return comments.filter((c) => c.user?.type === "Bot" && c.user.login === self).map((c) => ({ id: c.id, body: c.body ?? "" }));
  }
  async function findOwn(repo: RepoRef, pr: number, firstLine: string): Promise<{ id: number; body: string } | undefined> {
    return (await ownComments(repo, pr)).find((c) => firstLineOf(c.body) === firstLine);
  }
  async function findOwnByFirstLine(repo: RepoRef, pr: number, firstLine: string): Promise<number | undefined> {
    return (await findOwn(repo, pr, firstLine))?.id;
  }
  /** Markers whose create failed without a clear answer: the comment may exist, look before writing. */
  const uncertain = new Set<string>();

  return {
    async createComment(repo, pr, body, createOpts) {
      // Every comment Sluice writes is idempotent: it starts with its marker, so a retry after a
      // lost answer finds it instead of posting it twice.
      const firstLine = firstLineOf(body);
      if (!isOurs(body)) throw new Error("a Sluice comment must start with its marker line (render/comment-body.ts)");
      const key = `${repo.owner}/${repo.name}#${pr} ${firstLine}`;
      const find = () => findOwnByFirstLine(repo, pr, firstLine);
      if (uncertain.has(key) || createOpts?.mayExist) {
        const landed = await retry(`looking for comment ${firstLine}`, find);
        if (landed !== undefined) return landed;
      }
      try {
        const id = await retry(
          `commenting on #${pr}`,
          async () => (await octokit.rest.issues.createComment({ ...ids(repo), issue_number: pr, body, request: request() })).data.id,
          find,
        );
        uncertain.delete(key);
        return id;
      } catch (e) {
        // Refused outright (4xx) means nothing was written; anything else may have landed.
        if (!(e instanceof VcsError) || e.retryable) uncertain.add(key);
        throw e;
      }
    },
    async updateComment(repo, commentId, body) {
      const { data } = await retry(`editing comment ${commentId}`, () =>
        octokit.rest.issues.updateComment({ ...ids(repo), comment_id: commentId, body, request: request() }),
      );
      return typeof data.updated_at === "string" ? { updatedAt: data.updated_at } : {};
    },
    async comment(repo, commentId) {
      const answer = await retry(`reading comment ${commentId}`, () =>
        octokit.rest.issues.getComment({ ...ids(repo), comment_id: commentId, request: request() }),
      ).catch(notFoundAs(undefined));
      // GitHub answers 404 for a comment that was deleted.
      if (!answer) return undefined;
      return typeof answer.data.body === "string" ? { body: answer.data.body } : {};
    },
    async ownComment(repo, pr, firstLine) {
      return retry(`looking for comment ${firstLine}`, () => findOwn(repo, pr, firstLine));
    },
    ownComments: (repo, pr) => retry(`listing comments of #${pr}`, () => ownComments(repo, pr)),
    async react(repo, commentId, content) {
      await retry(`reacting to comment ${commentId}`, () =>
        octokit.rest.reactions.createForIssueComment({ ...ids(repo), comment_id: commentId, content, request: request() }),
      );
    },
  };
}
