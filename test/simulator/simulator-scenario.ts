import type { SimCore } from "./sim-core.js";
import type {
  AccountType,
  CheckConclusion,
  CheckStatus,
  CommentState,
  CommitStatusName,
  DeliveryResult,
  IssueState,
  PullState,
  ReviewState,
  Role,
  SimRepo,
  SimUser,
} from "./sim-types.js";
import { addCommitStatus } from "./status-routes.js";
import { otherAppCheckRun } from "./status-checks.js";
import type { DeliverOptions } from "./webhook-sender.js";
import { gitText } from "./run-git.js";
import { checkRunPayload, checkSuitePayload, mergeGroupPayload } from "./native-events.js";
import { envelope, repositoryMovedPayload } from "./webhook-payloads.js";
import { issuesPayload } from "./issue-payloads.js";
import { claimActivity, recordActivity } from "./activity-routes.js";

/** A merge group the queue made: its commit, and the merge commit of each PR in it. */
export interface MergeGroup {
  headSha: string;
  headRef: string;
  baseSha: string;
  baseRef: string;
  /** PR number -> the group's merge commit that brought it in. */
  commits: Map<number, string>;
  delivery: DeliveryResult;
}

export interface CreateRepoOptions {
  owner: string;
  name: string;
  files: Record<string, string>;
  defaultBranch?: string;
  executable?: string[];
  /** Path → link target, committed as symlinks. */
  symlinks?: Record<string, string>;
  /** Who pushed it (the repository activity's actor, a moved PR's `synchronize` sender); default: the PR's author. */
  pusher?: string;
}

export interface PushBranchOptions {
  branch: string;
  /** Branch or SHA to commit on top of. Default: the branch itself if it exists, else the default branch. */
  from?: string;
  /** Path → content; null deletes the path. */
  files: Record<string, string | null>;
  message?: string;
  executable?: string[];
  /** Path → link target, committed as symlinks. */
  symlinks?: Record<string, string>;
  /** Who pushed it (the repository activity's actor, a moved PR's `synchronize` sender); default: the PR's author. */
  pusher?: string;
}

export interface OpenPullRequestOptions {
  head: string;
  base?: string;
  title?: string;
  body?: string;
  author: string;
  draft?: boolean;
  /**
   * owner/name of a fork the head branch comes from. The simulator has no real forks: the branch
   * still lives in the base repo, but the API and webhooks report `head.repo` as the fork.
   */
  headRepo?: string;
}

/** What a test does as the humans on GitHub: each verb changes state and sends the matching webhook. */
export class SimulatorScenario {
  constructor(protected readonly core: SimCore) {}

  setWebhookTarget(baseUrl: string): void {
    this.core.webhooks.target = baseUrl.replace(/\/+$/, "");
    this.core.webhooks.spread = [];
  }

  /** Replicas behind one webhook URL: deliveries go to each in turn (`sim.deliveries[i].target` says where). */
  setWebhookTargets(baseUrls: string[]): void {
    const urls = baseUrls.map((u) => u.replace(/\/+$/, ""));
    this.core.webhooks.target = urls[0] ?? null;
    this.core.webhooks.spread = urls;
  }

  /** What `GET /app/hook/config` answers as the app's webhook URL ("" = none set); by default the target's endpoint. */
  setHookUrl(url: string | null): void {
    this.core.webhooks.hookUrl = url;
  }

  addUser(login: string, opts: { type?: "User" | "Bot" } = {}): SimUser {
    const user = this.core.state.ensureUser(login, opts.type ?? "User");
    if (opts.type) user.type = opts.type as AccountType;
    return user;
  }

  /** A user renames their account (same id; roles, reviews and pull requests follow it). */
  renameUser(from: string, to: string): void {
    this.core.state.renameUser(from, to);
  }

  /**
   * Renames (same owner) or transfers (another owner) a repository as GitHub does, and sends
   * `repository.renamed` / `.transferred` (unless `silent`: a delivery GitHub lost).
   */
  async moveRepository(
    repo: SimRepo,
    to: { owner?: string; name?: string; sender?: string; silent?: boolean },
  ): Promise<DeliveryResult | undefined> {
    const from = { owner: repo.owner, name: repo.name };
    this.core.state.moveRepo(repo, to.owner ?? repo.owner, to.name ?? repo.name);
    if (to.silent) return undefined;
    return this.core.webhooks.deliver("repository", repositoryMovedPayload(this.core.ctx, repo, from, to.sender ?? repo.owner));
  }

  /** Deletes a repository as GitHub does, and sends `repository.deleted` (unless `silent`: a delivery GitHub lost). */
  async deleteRepository(repo: SimRepo, opts: { sender?: string; silent?: boolean } = {}): Promise<DeliveryResult | undefined> {
    const payload = { action: "deleted", ...envelope(this.core.ctx, repo, opts.sender ?? repo.owner) };
    this.core.state.deleteRepo(repo);
    if (opts.silent) return undefined;
    return this.core.webhooks.deliver("repository", payload);
  }

  setPermission(repo: SimRepo | string, login: string, role: Role): void {
    this.addUser(login);
    this.core.state.setRole(typeof repo === "string" ? repo : repo.fullName, login, role);
  }

  async createRepo(opts: CreateRepoOptions): Promise<SimRepo> {
    const { state, git, ctx } = this.core;
    if (state.repo(opts.owner, opts.name)) throw new Error(`repo ${opts.owner}/${opts.name} exists already`);
    state.ensureUser(opts.owner, "Organization");
    const defaultBranch = opts.defaultBranch ?? "main";
    const dir = await git.init(opts.owner, opts.name, defaultBranch);
    const fullName = `${opts.owner}/${opts.name}`;
    const repo: SimRepo = {
      id: state.nextId("repo"),
      owner: opts.owner,
      name: opts.name,
      fullName,
      cloneUrl: `${ctx.web}/${fullName}.git`,
      htmlUrl: `${ctx.web}/${fullName}`,
      defaultBranch,
      dir,
      createdAt: this.core.now(),
    };
    await git.withLock(dir, () =>
      git.commit(dir, {
        branch: defaultBranch,
        parent: null,
        files: opts.files,
        message: "Initial commit",
        executable: opts.executable,
        symlinks: opts.symlinks,
      }),
    );
    state.addRepo(repo);
    return repo;
  }

  /** Commits on a branch; open PRs with that head branch move to it and get `synchronize`. */
  async pushBranch(repo: SimRepo, opts: PushBranchOptions): Promise<string> {
    const before = (await this.core.git.branchSha(repo.dir, opts.branch)) ?? "0".repeat(40);
    const sha = await this.commitToBranch(repo, opts);
    recordActivity(this.core, repo, { branch: opts.branch, before, after: sha, actor: opts.pusher });
    await this.core.syncPullHeads(repo, opts.pusher ?? null, opts.branch);
    return sha;
  }

  private async commitToBranch(repo: SimRepo, opts: PushBranchOptions): Promise<string> {
    const { git } = this.core;
    return git.withLock(repo.dir, async () => {
      const parent = opts.from
        ? await this.resolveRev(repo, opts.from)
        : ((await git.branchSha(repo.dir, opts.branch)) ?? (await this.resolveRev(repo, repo.defaultBranch)));
      return git.commit(repo.dir, {
        branch: opts.branch,
        parent,
        files: opts.files,
        message: opts.message ?? `Update ${opts.branch}`,
        executable: opts.executable,
        symlinks: opts.symlinks,
      });
    });
  }

  async openPullRequest(
    repo: SimRepo,
    opts: OpenPullRequestOptions,
  ): Promise<{ number: number; headSha: string; baseSha: string; delivery: DeliveryResult }> {
    const { state, git } = this.core;
    this.addUser(opts.author);
    // A branch of the repository itself was pushed by its author, which GitHub allows only with
    // write access: an author the test gave no role has it. A role the test set stands.
    const sameRepo = opts.headRepo === undefined || opts.headRepo.toLowerCase() === repo.fullName.toLowerCase();
    if (sameRepo && !state.hasRole(repo.fullName, opts.author)) state.setRole(repo.fullName, opts.author, "write");
    const base = opts.base ?? repo.defaultBranch;
    const headSha = await this.resolveRev(repo, `refs/heads/${opts.head}`);
    const baseSha = await this.resolveRev(repo, `refs/heads/${base}`);
    const at = this.core.now();
    const pr: PullState = {
      id: state.nextId("pull"),
      number: state.nextIssueNumber(repo),
      repo,
      title: opts.title ?? `Update ${opts.head}`,
      body: opts.body ?? null,
      author: opts.author,
      headRef: opts.head,
      headSha,
      headRepoFullName: opts.headRepo,
      baseRef: base,
      baseSha,
      state: "open",
      draft: opts.draft ?? false,
      merged: false,
      mergeCommitSha: null,
      mergedAt: null,
      mergedBy: null,
      closedAt: null,
      createdAt: at,
      updatedAt: at,
    };
    await git.updateRef(repo.dir, `refs/pull/${pr.number}/head`, headSha);
    if (sameRepo) claimActivity(repo, opts.head, headSha, opts.author);
    state.addPull(pr);
    const delivery = await this.sendPullEvent("opened", pr, opts.author);
    return { number: pr.number, headSha, baseSha, delivery };
  }

  /** Commits on the PR branch, moves refs/pull/N/head, and sends `synchronize`. */
  async pushToPullRequest(
    repo: SimRepo,
    number: number,
    files: Record<string, string | null>,
    opts: {
      message?: string;
      executable?: string[];
      /** Who pushes (the `synchronize` sender); default: the PR's author. */
      sender?: string;
      /** The account GitHub matches the commit's author and committer email to; default: none. */
      commitBy?: string;
    } = {},
  ): Promise<{ headSha: string; delivery: DeliveryResult }> {
    const pr = this.pullOf(repo, number);
    if (pr.state !== "open") throw new Error(`#${number} is closed`);
    const headSha = await this.commitToBranch(repo, { branch: pr.headRef, files, message: opts.message, executable: opts.executable });
    if (opts.commitBy) {
      repo.commitUsers ??= new Map();
      repo.commitUsers.set(headSha, { author: opts.commitBy, committer: opts.commitBy });
    }
    const delivery = (await this.core.syncPullHeads(repo, opts.sender ?? null, pr.headRef)).get(number);
    if (!delivery) throw new Error(`#${number} did not move to ${headSha}`);
    return { headSha, delivery };
  }

  /**
   * Force-pushes the PR's branch to `sha`, a commit it held before (a push back): its activity
   * names `sender`, and `synchronize` is sent as for any push.
   */
  async forcePushPullRequest(repo: SimRepo, number: number, sha: string, opts: { sender: string }): Promise<DeliveryResult> {
    const pr = this.pullOf(repo, number);
    await this.core.git.withLock(repo.dir, () => this.core.git.updateRef(repo.dir, `refs/heads/${pr.headRef}`, sha));
    const delivery = (await this.core.syncPullHeads(repo, opts.sender, pr.headRef)).get(number);
    if (!delivery) throw new Error(`#${number} did not move to ${sha}`);
    return delivery;
  }

  /** Commits on the default branch without a pull request, then sends `push`. */
  async pushDefaultBranch(
    repo: SimRepo,
    files: Record<string, string | null>,
    opts: { user?: string; message?: string } = {},
  ): Promise<{ sha: string; delivery: DeliveryResult }> {
    const before = (await this.core.git.branchSha(repo.dir, repo.defaultBranch)) ?? "0".repeat(40);
    const sha = await this.commitToBranch(repo, { branch: repo.defaultBranch, files, message: opts.message });
    const user = opts.user ?? repo.owner;
    this.addUser(user);
    await this.core.syncPullHeads(repo, null, repo.defaultBranch);
    return { sha, delivery: await this.core.webhooks.deliver("push", this.core.pushEvent(repo, repo.defaultBranch, before, sha, user)) };
  }

  /** A person closes an issue in the web UI: GitHub sends `issues.closed`. */
  async closeIssue(repo: SimRepo, number: number, opts: { user: string }): Promise<DeliveryResult> {
    const issue = this.core.state.issue(repo, number);
    if (!issue) throw new Error(`no issue #${number} in ${repo.fullName}`);
    this.addUser(opts.user);
    const at = this.core.now();
    Object.assign(issue, { state: "closed", closedAt: at, updatedAt: at });
    return this.core.webhooks.deliver("issues", issuesPayload(this.core.ctx, "closed", issue, opts.user));
  }

  /** A person reopens an issue in the web UI: GitHub sends `issues.reopened`. */
  async reopenIssue(repo: SimRepo, number: number, opts: { user: string }): Promise<DeliveryResult> {
    const issue = this.core.state.issue(repo, number);
    if (!issue) throw new Error(`no issue #${number} in ${repo.fullName}`);
    this.addUser(opts.user);
    Object.assign(issue, { state: "open", closedAt: null, updatedAt: this.core.now() });
    return this.core.webhooks.deliver("issues", issuesPayload(this.core.ctx, "reopened", issue, opts.user));
  }

  /** A plain issue opened by a human (no webhook: Sluice does not act on issues being opened). */
  /**
   * Adds `count` commits that change nothing on a PR's branch in one push (a long-lived branch,
   * a squash nobody did), then sends `synchronize`; returns their shas, oldest first.
   */
  async pushManyCommits(repo: SimRepo, number: number, count: number): Promise<string[]> {
    const pr = this.pullOf(repo, number);
    const { git } = this.core;
    const shas = await git.withLock(repo.dir, async () => {
      let parent = await this.resolveRev(repo, `refs/heads/${pr.headRef}`);
      const tree = await git.treeOf(repo.dir, parent);
      const made: string[] = [];
      for (let i = 0; i < count; i++) {
        parent = await git.commitTree(repo.dir, tree, [parent], `Commit ${i + 1} of ${count}`);
        made.push(parent);
      }
      await git.updateRef(repo.dir, `refs/heads/${pr.headRef}`, parent);
      return made;
    });
    await this.core.syncPullHeads(repo, null, pr.headRef);
    return shas;
  }

  /** Marks a commit as signed with a key GitHub verifies (its `verification.verified` becomes true). */
  verifyCommit(repo: SimRepo, sha: string): void {
    repo.verifiedCommits = new Set([...(repo.verifiedCommits ?? []), sha]);
  }

  /**
   * Gives the branch a protection rule, as a repository admin would in its settings;
   * `requiredReviews` approving reviews then block a PR into it until given, and
   * `requiredChecks` (check run names or status contexts) until each has passed on its head,
   * required by classic protection, or with `viaRuleset` by a ruleset's `required_status_checks`;
   * `requiredApps` (check name -> app slug) lets only that app's check run satisfy one.
   */
  protectBranch(
    repo: SimRepo,
    branch: string,
    opts: { requiredReviews?: number; requiredChecks?: string[]; viaRuleset?: boolean; requiredApps?: Record<string, string> } = {},
  ): void {
    repo.protectedBranches = new Set([...(repo.protectedBranches ?? []), branch]);
    if (opts.requiredReviews) repo.requiredReviews = new Map([...(repo.requiredReviews ?? []), [branch, opts.requiredReviews]]);
    if (opts.requiredApps) repo.requiredCheckApps = new Map([...(repo.requiredCheckApps ?? []), [branch, opts.requiredApps]]);
    if (opts.requiredChecks && opts.viaRuleset) {
      repo.rulesetChecks = new Map([...(repo.rulesetChecks ?? []), [branch, opts.requiredChecks]]);
    } else if (opts.requiredChecks) {
      repo.requiredChecks = new Map([...(repo.requiredChecks ?? []), [branch, opts.requiredChecks]]);
    }
  }

  /** A commit status another CI system (Jenkins, say) posts through the Status API with its own token. */
  postStatus(repo: SimRepo, sha: string, s: { context: string; state: CommitStatusName; description?: string; by?: string }): void {
    addCommitStatus(this.core, repo, sha, { ...s, creator: s.by ?? "jenkins-bot" });
  }

  /** An older GitHub Enterprise Server, without the repository activity endpoint (404). */
  serveWithoutActivity(on: boolean): void {
    this.core.state.withoutActivity = on;
  }

  /** GraphQL as an older GitHub Enterprise Server serves it: a query asking `isRequired` is a schema error. */
  serveGraphqlWithoutIsRequired(on: boolean): void {
    this.core.state.graphqlWithoutIsRequired = on;
  }

  /** A check run another app posts (GitHub Actions' job, another CI app): `app` is its slug. */
  postOtherAppCheck(
    repo: SimRepo,
    sha: string,
    c: { name: string; status: CheckStatus; conclusion?: CheckConclusion; app?: string },
  ): void {
    otherAppCheckRun(this.core, repo, sha, c);
  }

  openIssue(repo: SimRepo, opts: { title: string; body?: string; author: string; labels?: string[] }): IssueState {
    const { state } = this.core;
    this.addUser(opts.author);
    const at = this.core.now();
    const issue: IssueState = {
      id: state.nextId("issue"),
      number: state.nextIssueNumber(repo),
      repo,
      title: opts.title,
      body: opts.body ?? "",
      author: opts.author,
      state: "open",
      labels: opts.labels ?? [],
      createdAt: at,
      updatedAt: at,
      closedAt: null,
      history: [opts.body ?? ""],
    };
    state.addIssue(issue);
    return issue;
  }

  /** Comments on a PR or a plain issue and sends `issue_comment`. */
  async comment(
    repo: SimRepo,
    number: number,
    opts: { user: string; body: string },
  ): Promise<{ commentId: number; delivery: DeliveryResult }> {
    const { state } = this.core;
    const pr = this.core.state.issue(repo, number) ?? this.pullOf(repo, number);
    this.addUser(opts.user);
    const at = this.core.now();
    const c: CommentState = {
      id: state.nextId("comment"),
      repo,
      issueNumber: pr.number,
      user: opts.user,
      body: opts.body,
      history: [opts.body],
      deleted: false,
      createdAt: at,
      updatedAt: at,
    };
    state.comments.set(c.id, c);
    state.logComment("created", c);
    const delivery = await this.core.webhooks.deliver("issue_comment", this.core.commentEvent("created", c, opts.user));
    return { commentId: c.id, delivery };
  }

  async editComment(repo: SimRepo, commentId: number, opts: { body: string; user?: string }): Promise<{ delivery: DeliveryResult }> {
    const c = this.commentOf(repo, commentId);
    const previous = c.body;
    c.body = opts.body;
    c.history.push(opts.body);
    c.updatedAt = this.core.now();
    const delivery = await this.core.webhooks.deliver("issue_comment", this.core.commentEvent("edited", c, opts.user ?? c.user, previous));
    return { delivery };
  }

  async deleteComment(repo: SimRepo, commentId: number, opts: { user?: string } = {}): Promise<{ delivery: DeliveryResult }> {
    const c = this.commentOf(repo, commentId);
    c.deleted = true;
    const delivery = await this.core.webhooks.deliver("issue_comment", this.core.commentEvent("deleted", c, opts.user ?? c.user));
    return { delivery };
  }

  /** Reviews are recorded on the current head SHA (commit_id), like a review submitted now. */
  async approve(repo: SimRepo, number: number, login: string, body = ""): Promise<ReviewState> {
    return this.review(repo, number, login, "APPROVED", body);
  }

  async requestChanges(repo: SimRepo, number: number, login: string, body = "Please change this."): Promise<ReviewState> {
    return this.review(repo, number, login, "CHANGES_REQUESTED", body);
  }

  async closePullRequest(repo: SimRepo, number: number, opts: { user?: string } = {}): Promise<{ delivery: DeliveryResult }> {
    const pr = this.pullOf(repo, number);
    const baseSha = await this.core.git.branchSha(repo.dir, pr.baseRef);
    const at = this.core.now();
    Object.assign(pr, { state: "closed", closedAt: at, updatedAt: at, baseSha: baseSha ?? pr.baseSha });
    return { delivery: await this.sendPullEvent("closed", pr, opts.user ?? pr.author) };
  }

  async reopenPullRequest(repo: SimRepo, number: number, opts: { user?: string } = {}): Promise<{ delivery: DeliveryResult }> {
    const pr = this.pullOf(repo, number);
    if (pr.merged) throw new Error(`#${number} is merged and cannot be reopened`);
    Object.assign(pr, { state: "open", closedAt: null, updatedAt: this.core.now() });
    return { delivery: await this.sendPullEvent("reopened", pr, opts.user ?? pr.author) };
  }

  async markReadyForReview(repo: SimRepo, number: number, opts: { user?: string } = {}): Promise<{ delivery: DeliveryResult }> {
    const pr = this.pullOf(repo, number);
    Object.assign(pr, { draft: false, updatedAt: this.core.now() });
    return { delivery: await this.sendPullEvent("ready_for_review", pr, opts.user ?? pr.author) };
  }

  async convertToDraft(repo: SimRepo, number: number, opts: { user?: string } = {}): Promise<{ delivery: DeliveryResult }> {
    const pr = this.pullOf(repo, number);
    Object.assign(pr, { draft: true, updatedAt: this.core.now() });
    return { delivery: await this.sendPullEvent("converted_to_draft", pr, opts.user ?? pr.author) };
  }

  /** A real merge (or squash) commit on the base branch, then `pull_request.closed` with merged=true. */
  async mergePullRequest(
    repo: SimRepo,
    number: number,
    opts: { method?: "merge" | "squash" | "rebase"; user?: string } = {},
  ): Promise<{ sha: string; delivery: DeliveryResult }> {
    const pr = this.pullOf(repo, number);
    const by = opts.user ?? pr.author;
    this.addUser(by);
    const sha = await this.core.mergePull(pr, { method: opts.method ?? "merge", by });
    return { sha, delivery: await this.sendPullEvent("closed", pr, by) };
  }

  /**
   * A team `org/slug`; `parent` makes it a child team, whose active members GitHub reports as
   * members of the parent too. `pending` members were invited and have not accepted.
   */
  addTeam(team: string, opts: { members?: string[]; pending?: string[]; parent?: string } = {}): void {
    const [org = "", slug = ""] = team.split("/");
    const members = new Map<string, "active" | "pending">();
    for (const m of opts.members ?? []) members.set(m.toLowerCase(), "active");
    for (const m of opts.pending ?? []) members.set(m.toLowerCase(), "pending");
    for (const m of [...(opts.members ?? []), ...(opts.pending ?? [])]) this.addUser(m);
    this.core.state.teams.set(team.toLowerCase(), { org, slug, parent: opts.parent, members });
  }

  /** A click on one of a check run's buttons: GitHub sends `check_run.requested_action` to the app. */
  async clickCheckAction(repo: SimRepo, checkRunId: number, identifier: string, user: string): Promise<DeliveryResult> {
    const run = this.core.state.checkRuns.get(checkRunId);
    if (!run || run.repo !== repo) throw new Error(`${repo.fullName}: no check run ${checkRunId}`);
    if (!run.actions.some((a) => a.identifier === identifier)) {
      throw new Error(`check run ${checkRunId} (${run.name}) offers no action ${identifier}: it offers ${JSON.stringify(run.actions)}`);
    }
    this.addUser(user);
    return this.core.webhooks.deliver("check_run", checkRunPayload(this.core.ctx, "requested_action", run, user, identifier));
  }

  /** "Re-run" on one check run: `check_run.rerequested`. */
  async rerequestCheckRun(repo: SimRepo, checkRunId: number, user: string): Promise<DeliveryResult> {
    const run = this.core.state.checkRuns.get(checkRunId);
    if (!run || run.repo !== repo) throw new Error(`${repo.fullName}: no check run ${checkRunId}`);
    this.addUser(user);
    return this.core.webhooks.deliver("check_run", checkRunPayload(this.core.ctx, "rerequested", run, user));
  }

  /** "Re-run all checks" of the app's suite on a commit: `check_suite.rerequested`. */
  async rerequestCheckSuite(repo: SimRepo, sha: string, user: string): Promise<DeliveryResult> {
    const branch = [...this.core.state.checkRuns.values()].find((r) => r.repo === repo && r.head_sha === sha)?.head_branch ?? null;
    this.addUser(user);
    return this.core.webhooks.deliver("check_suite", checkSuitePayload(this.core.ctx, repo, sha, branch, user));
  }

  /**
   * GitHub's merge queue: a merge commit per PR, in order, on top of the base branch tip, on the
   * branch `gh-readonly-queue/<base>/pr-<last>-<last head sha>`; then `merge_group.checks_requested`.
   */
  async enqueueMergeGroup(repo: SimRepo, numbers: number[], opts: { user?: string } = {}): Promise<MergeGroup> {
    const { git } = this.core;
    const pulls = numbers.map((n) => this.pullOf(repo, n));
    const last = pulls[pulls.length - 1];
    if (!last) throw new Error("a merge group needs at least one pull request");
    const baseRef = last.baseRef;
    const group = await git.withLock(repo.dir, async () => {
      const baseSha = await this.resolveRev(repo, `refs/heads/${baseRef}`);
      let current = baseSha;
      const commits = new Map<number, string>();
      for (const pr of pulls) {
        const tree = await git.mergeTree(repo.dir, current, pr.headSha);
        if (!tree) throw new Error(`#${pr.number} conflicts with the merge group`);
        current = await git.commitTree(
          repo.dir,
          tree,
          [current, pr.headSha],
          `Merge pull request #${pr.number} from ${repo.owner}/${pr.headRef}\n\n${pr.title}`,
        );
        commits.set(pr.number, current);
      }
      const headRef = `refs/heads/gh-readonly-queue/${baseRef}/pr-${last.number}-${last.headSha}`;
      await git.updateRef(repo.dir, headRef, current);
      return { headSha: current, headRef, baseSha, baseRef: `refs/heads/${baseRef}`, commits };
    });
    const treeId = await this.treeOf(repo, group.headSha);
    const payload = mergeGroupPayload(
      this.core.ctx,
      repo,
      { ...group, treeId, message: `Merge pull request #${last.number} from ${repo.owner}/${last.headRef}` },
      opts.user ?? last.author,
    );
    return { ...group, delivery: await this.core.webhooks.deliver("merge_group", payload) };
  }

  /** The queue lands a group: the base branch moves to its commit, each PR is merged by its merge commit. */
  async landMergeGroup(repo: SimRepo, group: MergeGroup): Promise<DeliveryResult[]> {
    const { git } = this.core;
    await git.withLock(repo.dir, async () => {
      await git.updateRef(repo.dir, group.baseRef, group.headSha, group.baseSha);
      await git.deleteRef(repo.dir, group.headRef);
    });
    const results: DeliveryResult[] = [];
    for (const [number, sha] of group.commits) {
      const pr = this.pullOf(repo, number);
      const at = this.core.now();
      Object.assign(pr, {
        state: "closed",
        merged: true,
        mergeCommitSha: sha,
        mergedAt: at,
        closedAt: at,
        updatedAt: at,
        mergedBy: pr.author,
        baseSha: group.baseSha,
      });
      results.push(await this.sendPullEvent("closed", pr, pr.author));
    }
    return results;
  }

  private async treeOf(repo: SimRepo, sha: string): Promise<string> {
    return gitText(["rev-parse", `${sha}^{tree}`], { gitDir: repo.dir });
  }

  /** Sends any payload as a signed delivery (or a deliberately broken one, see DeliverOptions). */
  deliver(event: string, payload: object, opts?: DeliverOptions): Promise<DeliveryResult> {
    return this.core.webhooks.deliver(event, payload, opts);
  }

  /** Sends an earlier delivery again, same id and body (GitHub's "Redeliver"). */
  redeliver(deliveryId: string, opts?: { asNewId?: string }): Promise<DeliveryResult> {
    return this.core.webhooks.redeliver(deliveryId, opts);
  }

  private async review(repo: SimRepo, number: number, login: string, state: ReviewState["state"], body: string): Promise<ReviewState> {
    const pr = this.pullOf(repo, number);
    this.addUser(login);
    const review: ReviewState = {
      id: this.core.state.nextId("review"),
      repo,
      pullNumber: pr.number,
      user: login,
      state,
      body,
      commitId: pr.headSha,
      submittedAt: this.core.now(),
    };
    this.core.state.reviews.push(review);
    return review;
  }

  private async sendPullEvent(
    action: Parameters<SimCore["pullRequestEvent"]>[0],
    pr: PullState,
    sender: string,
    before?: string,
  ): Promise<DeliveryResult> {
    return this.core.webhooks.deliver("pull_request", await this.core.pullRequestEvent(action, pr, sender, before));
  }

  private async resolveRev(repo: SimRepo, rev: string): Promise<string> {
    const sha = (await this.core.git.resolve(repo.dir, rev)) ?? (await this.core.git.resolve(repo.dir, `refs/heads/${rev}`));
    if (!sha) throw new Error(`${repo.fullName}: no such revision ${rev}`);
    return sha;
  }

  protected pullOf(repo: SimRepo, number: number): PullState {
    const pr = this.core.state.pull(repo, number);
    if (!pr) throw new Error(`${repo.fullName}: no pull request #${number}`);
    return pr;
  }

  private commentOf(repo: SimRepo, id: number): CommentState {
    const c = this.core.state.comments.get(id);
    if (!c || c.repo !== repo || c.deleted) throw new Error(`${repo.fullName}: no comment ${id}`);
    return c;
  }
}
