import { randomBytes } from "node:crypto";
import type {
  AccountType,
  CheckRunState,
  CommentEvent,
  CommentState,
  CommitStatusState,
  DeploymentSimState,
  IssueState,
  PullState,
  ReactionState,
  ReviewState,
  Role,
  SimRepo,
  SimUser,
  TeamState,
  TokenState,
} from "./sim-types.js";

const TOKEN_TTL_MS = 60 * 60 * 1000;

/** Everything GitHub would know, in memory. Ids are per kind and start high enough to look real. */
export class SimState {
  readonly users = new Map<string, SimUser>();
  readonly repos = new Map<string, SimRepo>();
  readonly pulls = new Map<string, PullState>();
  readonly comments = new Map<number, CommentState>();
  readonly reviews: ReviewState[] = [];
  readonly checkRuns = new Map<number, CheckRunState>();
  /** Commit statuses, oldest first. */
  readonly statuses: CommitStatusState[] = [];
  /** GraphQL as an older GitHub Enterprise Server serves it: no `isRequired` on check runs and statuses. */
  graphqlWithoutIsRequired = false;
  /** A GitHub Enterprise Server without `GET /repos/{o}/{r}/activity`: it answers 404. */
  withoutActivity = false;
  /** By lowercase `org/slug`. */
  readonly teams = new Map<string, TeamState>();
  readonly reactions: ReactionState[] = [];
  readonly tokens = new Map<string, TokenState>();
  readonly issues = new Map<string, IssueState>();
  readonly deployments: DeploymentSimState[] = [];
  readonly issuedTokens: string[] = [];
  /** Every comment creation and edit, in the order served: for tests about the order of answers. */
  readonly commentLog: CommentEvent[] = [];
  /** Other accounts' installations of the app, suspended by their owners: id -> account login. */
  readonly suspendedInstallations = new Map<number, string>();
  /** User-to-server tokens from the OAuth web flow: token -> who. */
  readonly userTokens = new Map<string, { login: string; expiresAt: number }>();
  private readonly roles = new Map<string, Role>();
  private readonly formerNames = new Map<string, SimRepo>();
  private readonly issueCounters = new Map<string, number>();
  private ids = {
    user: 1000,
    repo: 500_000,
    pull: 900_000,
    comment: 1_200_000,
    review: 1_500_000,
    check: 2_000_000,
    status: 2_500_000,
    reaction: 3_000_000,
    issue: 4_000_000,
    deployment: 5_000_000,
    deploymentStatus: 6_000_000,
    activity: 7_000_000,
  };

  nextId(kind: keyof SimState["ids"]): number {
    this.ids[kind] += 1;
    return this.ids[kind];
  }

  ensureUser(login: string, type: AccountType = "User"): SimUser {
    const found = this.users.get(login.toLowerCase());
    if (found) return found;
    const user = { login, id: this.nextId("user"), type };
    this.users.set(login.toLowerCase(), user);
    return user;
  }

  user(login: string): SimUser | undefined {
    return this.users.get(login.toLowerCase());
  }

  repo(owner: string, name: string): SimRepo | undefined {
    return this.repos.get(`${owner}/${name}`.toLowerCase());
  }

  addRepo(repo: SimRepo): void {
    this.repos.set(repo.fullName.toLowerCase(), repo);
  }

  /** A repository under a name it had before a rename or transfer (GitHub redirects to it), if no other took the name. */
  movedRepo(owner: string, name: string): SimRepo | undefined {
    return this.repo(owner, name) ? undefined : this.formerNames.get(`${owner}/${name}`.toLowerCase());
  }

  /**
   * A repository renamed or transferred, as GitHub does it: the same repository (id, git data,
   * pull requests, issues, roles) under `owner/name`; the old name redirects to it until another
   * repository takes it.
   */
  moveRepo(repo: SimRepo, owner: string, name: string): string {
    const from = repo.fullName;
    const to = `${owner}/${name}`;
    if (this.repo(owner, name)) throw new Error(`repo ${to} exists already`);
    const rekey = <V>(map: Map<string, V>, sep: string) => {
      for (const [key, v] of [...map]) {
        if (!key.startsWith(`${from.toLowerCase()}${sep}`)) continue;
        map.delete(key);
        map.set(`${to}${key.slice(from.length)}`.toLowerCase(), v);
      }
    };
    rekey(this.pulls, "#");
    rekey(this.issues, "#");
    rekey(this.roles, ":");
    const counter = this.issueCounters.get(from);
    if (counter !== undefined) this.issueCounters.set(to, counter);
    for (const pr of this.pulls.values()) if (pr.headRepoFullName === from) pr.headRepoFullName = to;
    this.repos.delete(from.toLowerCase());
    this.formerNames.set(from.toLowerCase(), repo);
    this.formerNames.delete(to.toLowerCase());
    this.ensureUser(owner, "Organization");
    Object.assign(repo, {
      owner,
      name,
      fullName: to,
      cloneUrl: `${repo.cloneUrl.slice(0, -`${from}.git`.length)}${to}.git`,
      htmlUrl: `${repo.htmlUrl.slice(0, -from.length)}${to}`,
    });
    this.addRepo(repo);
    return from;
  }

  /**
   * A repository deleted, as GitHub does it: its name is free (another may be created or renamed
   * onto it), its pull requests, issues and roles gone, and its former names no longer redirect.
   */
  deleteRepo(repo: SimRepo): void {
    const key = repo.fullName.toLowerCase();
    for (const map of [this.pulls, this.issues] as Map<string, unknown>[])
      for (const k of [...map.keys()]) if (k.startsWith(`${key}#`)) map.delete(k);
    for (const k of [...this.roles.keys()]) if (k.startsWith(`${key}:`)) this.roles.delete(k);
    for (const [k, r] of [...this.formerNames]) if (r === repo) this.formerNames.delete(k);
    this.repos.delete(key);
  }

  /** Pull requests and issues share one number sequence per repository, as on GitHub. */
  nextIssueNumber(repo: SimRepo): number {
    const n = (this.issueCounters.get(repo.fullName) ?? 0) + 1;
    this.issueCounters.set(repo.fullName, n);
    return n;
  }

  pull(repo: SimRepo, number: number): PullState | undefined {
    return this.pulls.get(`${repo.fullName}#${number}`.toLowerCase());
  }

  addPull(pr: PullState): void {
    this.pulls.set(`${pr.repo.fullName}#${pr.number}`.toLowerCase(), pr);
  }

  issue(repo: SimRepo, number: number): IssueState | undefined {
    return this.issues.get(`${repo.fullName}#${number}`.toLowerCase());
  }

  addIssue(issue: IssueState): void {
    this.issues.set(`${issue.repo.fullName}#${issue.number}`.toLowerCase(), issue);
  }

  /** By name, so a test may grant roles before the repo exists. */
  setRole(repoFullName: string, login: string, role: Role): void {
    this.roles.set(`${repoFullName}:${login}`.toLowerCase(), role);
  }

  /** Whether a role was given (a user with none set has `none`). */
  hasRole(repoFullName: string, login: string): boolean {
    return this.roles.has(`${repoFullName}:${login}`.toLowerCase());
  }

  /**
   * A user renames their account, as GitHub lets anyone do at any time: the same account (id),
   * its roles, reviews and pull requests now under the new login; the old login is free.
   */
  renameUser(from: string, to: string): void {
    const user = this.users.get(from.toLowerCase());
    if (!user) throw new Error(`no user ${from}`);
    if (this.users.has(to.toLowerCase())) throw new Error(`the login ${to} is taken`);
    this.users.delete(from.toLowerCase());
    user.login = to;
    this.users.set(to.toLowerCase(), user);
    for (const [key, role] of [...this.roles]) {
      const at = key.lastIndexOf(":");
      if (key.slice(at + 1) !== from.toLowerCase()) continue;
      this.roles.delete(key);
      this.roles.set(`${key.slice(0, at)}:${to}`.toLowerCase(), role);
    }
    for (const r of this.reviews) if (r.user.toLowerCase() === from.toLowerCase()) r.user = to;
    for (const pr of this.pulls.values()) if (pr.author.toLowerCase() === from.toLowerCase()) pr.author = to;
    // A user token is the account's: it keeps working under the new login.
    for (const t of this.userTokens.values()) if (t.login.toLowerCase() === from.toLowerCase()) t.login = to;
  }

  role(repo: SimRepo, login: string): Role {
    return this.roles.get(`${repo.fullName}:${login}`.toLowerCase()) ?? "none";
  }

  mintToken(installationId: number): TokenState {
    const token = `ghs_${randomBytes(18).toString("base64url").replace(/[-_]/g, "x")}`;
    const state = { token, installationId, expiresAt: Date.now() + TOKEN_TTL_MS };
    this.tokens.set(token, state);
    this.issuedTokens.push(token);
    return state;
  }

  validToken(token: string | null): TokenState | null {
    if (!token) return null;
    const state = this.tokens.get(token);
    return state && state.expiresAt > Date.now() ? state : null;
  }

  expireTokens(): void {
    for (const t of this.tokens.values()) t.expiresAt = 0;
  }

  logComment(action: CommentEvent["action"], c: CommentState): void {
    this.commentLog.push({
      seq: this.commentLog.length + 1,
      action,
      commentId: c.id,
      repo: c.repo.fullName,
      issueNumber: c.issueNumber,
      user: c.user,
      body: c.body,
    });
  }

  commentsOf(repo: SimRepo, issueNumber: number): CommentState[] {
    return [...this.comments.values()].filter((c) => c.repo === repo && c.issueNumber === issueNumber && !c.deleted);
  }
}
