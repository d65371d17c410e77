import type { KeyObject } from "node:crypto";
import type { ChangedFile, GitStore } from "./git-store.js";
import type { PullFacts, ShapeCtx } from "./shape-ctx.js";
import { DOCS, RestError, notFound } from "./rest-reply.js";
import type { SimState } from "./sim-state.js";
import { requiredChecksWanting } from "./status-checks.js";
import type { CommentState, DeliveryResult, IssueState, PullState, SimRepo } from "./sim-types.js";
import { issuesPayload, plainIssueCommentPayload, pushPayload } from "./issue-payloads.js";
import { issueCommentPayload, pullRequestPayload, type IssueCommentAction, type PullRequestAction } from "./webhook-payloads.js";
import type { WebhookSender } from "./webhook-sender.js";
import { recordActivity } from "./activity-routes.js";

export interface MergeOptions {
  method?: "merge" | "squash" | "rebase";
  /** Must equal the head SHA when given (GitHub answers 409 otherwise). */
  sha?: string;
  title?: string;
  message?: string;
  by: string;
}

/** Shared by the REST routes and the test-facing API: GitHub behaviour that both sides trigger. */
export class SimCore {
  constructor(
    readonly ctx: ShapeCtx,
    readonly git: GitStore,
    readonly webhooks: WebhookSender,
    readonly publicKey: KeyObject,
    /** Send issue_comment events for the app's own comments too, as GitHub does. */
    readonly echoAppEvents: boolean,
  ) {}

  get state(): SimState {
    return this.ctx.state;
  }

  repoOr404(params: Record<string, string>): SimRepo {
    const repo = this.state.repo(params.owner ?? "", params.repo ?? "");
    if (!repo) throw notFound();
    return repo;
  }

  pullOr404(repo: SimRepo, number: string | undefined): PullState {
    const pr = this.state.pull(repo, Number(number));
    if (!pr) throw notFound();
    return pr;
  }

  /** A pull request or a plain issue: comments go on both. */
  issueOrPullOr404(repo: SimRepo, number: string | undefined): { number: number } {
    const found = this.state.pull(repo, Number(number)) ?? this.state.issue(repo, Number(number));
    if (!found) throw notFound();
    return found;
  }

  /** The `push` event GitHub sends after commits land on a branch. */
  pushEvent(repo: SimRepo, branch: string, before: string, after: string, sender: string): object {
    return pushPayload(this.ctx, repo, branch, before, after, sender);
  }

  now(): string {
    return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** What two commits say of a PR never changes: worked out once (four git runs) per pair. */
  private readonly factsOfCommits = new Map<string, Promise<[string | null, ChangedFile[], number]>>();

  private commitFacts(dir: string, base: string, head: string, open: boolean): Promise<[string | null, ChangedFile[], number]> {
    const key = `${dir}\0${base}\0${head}\0${open}`;
    let facts = this.factsOfCommits.get(key);
    if (!facts) {
      facts = Promise.all([
        open ? this.git.mergeTree(dir, base, head) : Promise.resolve(null),
        this.git.changedFiles(dir, base, head),
        this.git.commitCount(dir, base, head),
      ]);
      // A failed git run is not remembered: the next read tries again.
      facts.catch(() => this.factsOfCommits.delete(key));
      this.factsOfCommits.set(key, facts);
    }
    return facts;
  }

  async pullFacts(pr: PullState): Promise<PullFacts> {
    const dir = pr.repo.dir;
    const open = pr.state === "open";
    const baseSha = open ? ((await this.git.branchSha(dir, pr.baseRef)) ?? pr.baseSha) : pr.baseSha;
    const [tree, files, commits] = await this.commitFacts(dir, baseSha, pr.headSha, open);
    const mergeable = open ? tree !== null : null;
    const reviewed = this.reviewDecision(pr);
    // Branch protection holds it for reviews, and for required checks missing or not passing.
    const blocked =
      reviewed === "REVIEW_REQUIRED" ||
      reviewed === "CHANGES_REQUESTED" ||
      requiredChecksWanting(this.state, pr, this.ctx.app.slug).length > 0;
    const mergeableState = !open ? "unknown" : !mergeable ? "dirty" : pr.draft ? "draft" : blocked ? "blocked" : "clean";
    return {
      baseSha,
      mergeable,
      mergeableState,
      commits,
      additions: files.reduce((n, f) => n + f.additions, 0),
      deletions: files.reduce((n, f) => n + f.deletions, 0),
      changedFiles: files.length,
    };
  }

  /**
   * GraphQL's `reviewDecision`: null when the base branch's rule requires no reviews; otherwise
   * each reviewer's latest approving or change-requesting review counts, as GitHub counts them
   * (only reviewers with write access, never the author).
   */
  reviewDecision(pr: PullState): "APPROVED" | "CHANGES_REQUESTED" | "REVIEW_REQUIRED" | null {
    const required = pr.repo.requiredReviews?.get(pr.baseRef);
    if (!required) return null;
    const latest = new Map<string, string>();
    for (const r of this.state.reviews) {
      if (r.repo !== pr.repo || r.pullNumber !== pr.number || r.user.toLowerCase() === pr.author.toLowerCase()) continue;
      if (r.state === "APPROVED" || r.state === "CHANGES_REQUESTED" || r.state === "DISMISSED") latest.set(r.user.toLowerCase(), r.state);
    }
    const writers = [...latest].filter(([user]) => ["admin", "maintain", "write"].includes(this.state.role(pr.repo, user)));
    if (writers.some(([, state]) => state === "CHANGES_REQUESTED")) return "CHANGES_REQUESTED";
    return writers.filter(([, state]) => state === "APPROVED").length >= required ? "APPROVED" : "REVIEW_REQUIRED";
  }

  async pullRequestEvent(action: PullRequestAction, pr: PullState, sender: string, before?: string): Promise<object> {
    return pullRequestPayload(this.ctx, action, pr, await this.pullFacts(pr), { sender, before, after: pr.headSha });
  }

  commentEvent(action: IssueCommentAction, comment: CommentState, sender: string, previousBody?: string): object {
    const pr = this.state.pull(comment.repo, comment.issueNumber);
    const issue = this.state.issue(comment.repo, comment.issueNumber);
    if (!pr && issue) return plainIssueCommentPayload(this.ctx, action, comment, issue, { sender, previousBody });
    if (!pr) throw new Error(`no pull request #${comment.issueNumber} in ${comment.repo.fullName}`);
    return issueCommentPayload(this.ctx, action, comment, pr, { sender, previousBody });
  }

  /** GitHub tells the app when one of its issues is closed or reopened, by anyone, itself included. */
  issueStateChanged(issue: IssueState, sender: string): void {
    if (sender === this.ctx.app.botLogin && !this.echoAppEvents) return;
    this.webhooks.background("issues", issuesPayload(this.ctx, issue.state === "closed" ? "closed" : "reopened", issue, sender));
  }

  /** GitHub tells the app about its own comment changes too; apps must not react to themselves. */
  echoComment(action: IssueCommentAction, comment: CommentState, previousBody?: string): void {
    if (!this.echoAppEvents) return;
    this.webhooks.background("issue_comment", this.commentEvent(action, comment, this.ctx.app.botLogin, previousBody));
  }

  /**
   * Moves the head of every open PR whose branch tip changed and sends `synchronize`, as GitHub
   * does after any push. Returns the delivery per PR number.
   */
  async syncPullHeads(repo: SimRepo, sender: string | null, branch?: string): Promise<Map<number, DeliveryResult>> {
    const results = new Map<number, DeliveryResult>();
    const pulls = [...this.state.pulls.values()].filter((p) => p.repo === repo && p.state === "open" && (!branch || p.headRef === branch));
    for (const pr of pulls) {
      const tip = await this.git.branchSha(repo.dir, pr.headRef);
      if (!tip || tip === pr.headSha) continue;
      const before = pr.headSha;
      // A fork's branch lives in the fork: its pushes are not the base repository's activity.
      if (!pr.headRepoFullName || pr.headRepoFullName === repo.fullName)
        recordActivity(this, repo, { branch: pr.headRef, before, after: tip, actor: sender ?? pr.author });
      pr.headSha = tip;
      pr.updatedAt = this.now();
      await this.git.updateRef(repo.dir, `refs/pull/${pr.number}/head`, tip);
      const payload = await this.pullRequestEvent("synchronize", pr, sender ?? pr.author, before);
      results.set(pr.number, await this.webhooks.deliver("pull_request", payload));
    }
    return results;
  }

  /** A real merge (or squash) commit on the base branch; the caller sends pull_request.closed. */
  async mergePull(pr: PullState, opts: MergeOptions): Promise<string> {
    const fail = (status: number, message: string) => new RestError(status, { message, documentation_url: DOCS, status: String(status) });
    if (pr.state !== "open") throw fail(405, "Pull Request is not mergeable");
    if (pr.draft) throw fail(405, "Pull Request is still a draft");
    if (opts.sha && opts.sha !== pr.headSha) throw fail(409, "Head branch was modified. Review and try the merge again.");
    const method = opts.method ?? "merge";
    const dir = pr.repo.dir;
    return this.git.withLock(dir, async () => {
      const baseSha = await this.git.branchSha(dir, pr.baseRef);
      if (!baseSha) throw fail(422, `Base branch ${pr.baseRef} does not exist`);
      const tree = await this.git.mergeTree(dir, baseSha, pr.headSha);
      if (!tree) throw fail(405, "Pull Request is not mergeable");
      let sha: string;
      if (method === "rebase") {
        // GitHub's "Rebase and merge": each of the PR's commits made anew on the base, and
        // merge_commit_sha is the last of them. Here only for a branch that has the base in it
        // (nothing to replay onto a moved base): each new commit keeps its original's tree.
        if ((await this.git.commitCount(dir, pr.headSha, baseSha)) !== 0) throw fail(405, "This branch can't be rebased");
        sha = baseSha;
        // GitHub commits them at once, as itself: one committer date for all.
        const date = this.git.nextDate();
        for (const c of await this.git.commitsBetween(dir, baseSha, pr.headSha)) {
          sha = await this.git.commitTree(dir, await this.git.treeOf(dir, c), [sha], `rebased ${c.slice(0, 7)} of #${pr.number}`, date);
        }
      } else {
        const title =
          opts.title ??
          (method === "squash" ? `${pr.title} (#${pr.number})` : `Merge pull request #${pr.number} from ${pr.repo.owner}/${pr.headRef}`);
        const message = `${title}\n\n${opts.message ?? (method === "squash" ? "" : pr.title)}`.trimEnd();
        const parents = method === "squash" ? [baseSha] : [baseSha, pr.headSha];
        sha = await this.git.commitTree(dir, tree, parents, message);
      }
      await this.git.updateRef(dir, `refs/heads/${pr.baseRef}`, sha, baseSha);
      const at = this.now();
      Object.assign(pr, {
        state: "closed",
        merged: true,
        mergeCommitSha: sha,
        mergedAt: at,
        closedAt: at,
        updatedAt: at,
        mergedBy: opts.by,
        baseSha,
      } satisfies Partial<PullState>);
      return sha;
    });
  }
}
