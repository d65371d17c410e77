import { generateKeyPair, type KeyObject, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { registerAppRoutes } from "./app-routes.js";
import { manifestPermissions } from "./installation-permissions.js";
import { registerManifestRoutes } from "./manifest-routes.js";
import { registerCheckRoutes } from "./check-routes.js";
import { registerStatusRoutes } from "./status-routes.js";
import { registerIssueRoutes } from "./issue-routes.js";
import { registerCommentRoutes } from "./comment-routes.js";
import { registerOAuthRoutes } from "./oauth-routes.js";
import { createGithubServer } from "./create-github-server.js";
import { FaultInjector } from "./fault-injector.js";
import { GitStore } from "./git-store.js";
import type { ShapeCtx } from "./shape-ctx.js";
import { registerNativeRoutes } from "./native-routes.js";
import { registerActivityRoutes } from "./activity-routes.js";
import { registerPullRoutes } from "./pull-routes.js";
import { registerGraphqlRoutes } from "./graphql-routes.js";
import { registerRepoRoutes } from "./repo-routes.js";
import { RestRouter } from "./rest-router.js";
import { SimCore } from "./sim-core.js";
import { SimState } from "./sim-state.js";
import type {
  CallRecord,
  CheckRunState,
  CommentEvent,
  DeliveryRecord,
  DeploymentSimState,
  FailRule,
  GitAccessRecord,
  GitWantRecord,
  IssueState,
  PullState,
  RejectedComment,
  ReviewState,
  SimRepo,
} from "./sim-types.js";
import { SimulatorScenario } from "./simulator-scenario.js";
import { WebhookSender } from "./webhook-sender.js";

// One import for tests: the handle's types live next to it.
export type {
  CallRecord,
  CommentEvent,
  DeliveryRecord,
  DeliveryResult,
  FailRule,
  GitWantRecord,
  PullState,
  Role,
  SimRepo,
} from "./sim-types.js";
export type { CreateRepoOptions, MergeGroup, OpenPullRequestOptions, PushBranchOptions } from "./simulator-scenario.js";
export type { DeliverOptions } from "./webhook-sender.js";
export { signAppJwt } from "./sign-app-jwt.js";

export interface SimulatorOptions {
  webhookSecret: string;
  appId?: number;
  appSlug?: string;
  installationId?: number;
  /** GitHub sends the app issue_comment events for its own comments too (default true). */
  echoAppEvents?: boolean;
  /**
   * What the installation granted (default: app.yml's `default_permissions`). Calls with the
   * installation token that need more are refused as GitHub refuses them.
   */
  permissions?: Record<string, string>;
  /** How long a delivery waits for the app's answer (default 15 s; GitHub gives up after 10 s). */
  deliveryTimeoutMs?: number;
  /**
   * The URL GitHub names as its own in payloads and answers (default: where the simulator
   * listens): a GitHub whose deliveries arrive but whose API this side cannot reach.
   */
  advertisedUrl?: string;
}

export interface SimulatorParts {
  core: SimCore;
  faults: FaultInjector;
  calls: CallRecord[];
  unknownCalls: CallRecord[];
  gitAccess: GitAccessRecord[];
  gitWants: GitWantRecord[];
  rejectedComments: RejectedComment[];
  privateKeyPem: string;
  server: Server;
  /** Where the simulator listens. */
  url: string;
  root: string;
  oauth: { clientId: string; clientSecret: string };
}

export interface CommentView {
  id: number;
  body: string;
  user: string;
  /** Every body the comment had, oldest first. */
  history: string[];
}

export type CheckRunView = Pick<
  CheckRunState,
  "id" | "name" | "head_sha" | "status" | "conclusion" | "external_id" | "output" | "history" | "actions"
>;

/** Starts a fake GitHub on 127.0.0.1 (REST under /api/v3, git smart HTTP, signed webhooks out). */
export async function startSimulator(opts: SimulatorOptions): Promise<Simulator> {
  const appId = opts.appId ?? 1;
  const slug = opts.appSlug ?? "sluice";
  const root = await mkdtemp(path.join(tmpdir(), "sluice-sim-"));
  const { privateKey, publicKey } = await promisify(generateKeyPair)("rsa", { modulusLength: 2048 });
  // PKCS#1, the format GitHub hands out in the .pem download.
  const privateKeyPem = (privateKey as KeyObject).export({ type: "pkcs1", format: "pem" }).toString();

  const ctx: ShapeCtx = {
    web: "",
    api: "",
    state: new SimState(),
    app: {
      id: appId,
      slug,
      name: slug,
      installationId: opts.installationId ?? 100,
      botLogin: `${slug}[bot]`,
      owner: `${slug}-dev`,
      permissions: opts.permissions ? { ...opts.permissions } : manifestPermissions(),
    },
  };
  ctx.state.ensureUser(ctx.app.botLogin, "Bot");
  const webhooks = new WebhookSender(opts.webhookSecret, opts.deliveryTimeoutMs ?? 15_000, appId);
  const core = new SimCore(ctx, new GitStore(path.join(root, "repos")), webhooks, publicKey as KeyObject, opts.echoAppEvents ?? true);
  const parts = {
    core,
    faults: new FaultInjector(),
    calls: [] as CallRecord[],
    unknownCalls: [] as CallRecord[],
    gitAccess: [] as GitAccessRecord[],
    gitWants: [] as GitWantRecord[],
    rejectedComments: [] as RejectedComment[],
    privateKeyPem,
    root,
  };
  const router = new RestRouter();
  registerAppRoutes(router, core);
  registerManifestRoutes(router, core, { pem: privateKeyPem, webhookSecret: opts.webhookSecret });
  registerRepoRoutes(router, core);
  registerPullRoutes(router, core);
  registerGraphqlRoutes(router, core, (query) =>
    parts.unknownCalls.push({
      method: "POST",
      path: "/graphql",
      url: "/api/graphql",
      kind: "rest",
      status: 200,
      at: Date.now(),
      body: { query },
    }),
  );
  registerCommentRoutes(router, core, parts.rejectedComments);
  registerCheckRoutes(router, core);
  registerStatusRoutes(router, core);
  registerIssueRoutes(router, core);
  registerNativeRoutes(router, core);
  registerActivityRoutes(router, core);
  const web = new RestRouter();
  const oauth = { clientId: `Iv1.sim${appId}`, clientSecret: randomBytes(20).toString("hex") };
  registerOAuthRoutes(web, router, core, oauth);

  const server = createGithubServer({
    core,
    router,
    web,
    faults: parts.faults,
    calls: parts.calls,
    unknownCalls: parts.unknownCalls,
    git: {
      root: core.git.root,
      state: ctx.state,
      permissions: () => ctx.app.permissions,
      onAccess: (r) => parts.gitAccess.push(r),
      onWants: (r) => parts.gitWants.push(r),
      // Only the app pushes over HTTP (tests use pushBranch), so it is the sender.
      onPushed: (repo) => webhooks.track(core.syncPullHeads(repo, ctx.app.botLogin)),
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  ctx.web = opts.advertisedUrl ?? url;
  ctx.api = `${ctx.web}/api/v3`;
  return new Simulator({ ...parts, server, oauth, url });
}

/** The test-facing handle: scenario verbs come from SimulatorScenario, inspection and lifecycle live here. */
export class Simulator extends SimulatorScenario {
  readonly url: string;
  readonly host: string;
  readonly appId: number;
  readonly installationId: number;
  readonly privateKeyPem: string;
  /** The App's OAuth client (GITHUB_CLIENT_ID / GITHUB_CLIENT_SECRET) for the web flow. */
  readonly oauthClientId: string;
  readonly oauthClientSecret: string;
  /** Every request served, REST and git, in order. */
  readonly calls: CallRecord[];
  /** REST calls to endpoints the simulator does not know (answered 404): a test can fail on these. */
  readonly unknownCalls: CallRecord[];
  /** Comment bodies rejected as too long (422). */
  readonly rejectedComments: RejectedComment[];
  private readonly faults: FaultInjector;
  private readonly gitAccess: GitAccessRecord[];
  /** Object ids asked for by every fetch, in order. */
  readonly gitWants: GitWantRecord[];
  private readonly server: Server;
  private readonly root: string;

  constructor(parts: SimulatorParts) {
    super(parts.core);
    this.url = parts.url;
    this.host = new URL(this.url).host;
    this.appId = parts.core.ctx.app.id;
    this.installationId = parts.core.ctx.app.installationId;
    this.privateKeyPem = parts.privateKeyPem;
    this.oauthClientId = parts.oauth.clientId;
    this.oauthClientSecret = parts.oauth.clientSecret;
    this.calls = parts.calls;
    this.unknownCalls = parts.unknownCalls;
    this.rejectedComments = parts.rejectedComments;
    this.faults = parts.faults;
    this.gitAccess = parts.gitAccess;
    this.gitWants = parts.gitWants;
    this.server = parts.server;
    this.root = parts.root;
  }

  /** Changes what the installation granted, as an owner accepting (or never accepting) new permissions does. */
  setInstallationPermissions(permissions: Record<string, string>): void {
    this.core.ctx.app.permissions = { ...permissions };
  }

  /**
   * Another account's installation of the app, suspended by its owner: listed by
   * `GET /app/installations` with `suspended_at`, and its access token is refused (403 "This
   * installation has been suspended"). Returns its id.
   */
  addSuspendedInstallation(account: string): number {
    const id = this.core.ctx.app.installationId + 1 + this.core.state.suspendedInstallations.size;
    this.core.state.suspendedInstallations.set(id, account);
    return id;
  }

  get deliveries(): DeliveryRecord[] {
    return this.core.webhooks.deliveries;
  }

  /** The PR as the simulator holds it (live object: read, don't write). */
  pullRequest(repo: SimRepo, number: number): PullState {
    return this.pullOf(repo, number);
  }

  comments(repo: SimRepo, number: number): CommentView[] {
    return this.core.state.commentsOf(repo, number).map((c) => ({ id: c.id, body: c.body, user: c.user, history: [...c.history] }));
  }

  checkRuns(repo: SimRepo, sha?: string): CheckRunView[] {
    return [...this.core.state.checkRuns.values()]
      .filter((r) => r.repo === repo && (!sha || r.head_sha === sha))
      .map((r) => ({
        id: r.id,
        name: r.name,
        head_sha: r.head_sha,
        status: r.status,
        conclusion: r.conclusion,
        external_id: r.external_id,
        output: { ...r.output },
        history: [...r.history],
        actions: [...r.actions],
      }));
  }

  /** Every comment creation and edit (the app's and the test's), in the order served. */
  get commentLog(): readonly CommentEvent[] {
    return this.core.state.commentLog;
  }

  /** Plain issues of a repo (not PRs), oldest first. */
  issues(repo: SimRepo): IssueState[] {
    return [...this.core.state.issues.values()].filter((i) => i.repo === repo).sort((a, b) => a.number - b.number);
  }

  deployments(repo: SimRepo): DeploymentSimState[] {
    return this.core.state.deployments.filter((d) => d.repo === repo);
  }

  reactions(commentId: number): string[] {
    return this.core.state.reactions.filter((r) => r.commentId === commentId).map((r) => r.content);
  }

  reviews(repo: SimRepo, number: number): ReviewState[] {
    return this.core.state.reviews.filter((r) => r.repo === repo && r.pullNumber === number);
  }

  repoDir(repo: SimRepo): string {
    return repo.dir;
  }

  get gitFetches(): { repo: string; token: string }[] {
    return this.gitAccess.filter((a) => a.service === "git-upload-pack").map(({ repo, token }) => ({ repo, token }));
  }

  get gitPushes(): { repo: string; token: string }[] {
    return this.gitAccess.filter((a) => a.service === "git-receive-pack").map(({ repo, token }) => ({ repo, token }));
  }

  get issuedTokens(): string[] {
    return [...this.core.state.issuedTokens];
  }

  /** Makes the next matching request(s) fail or stall; see FailRule. */
  failNext(rule: FailRule): void {
    this.faults.add(rule);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /**
   * Runs `act` while GitHub cannot reach the app (an outage, a restart, a proxy answering 502):
   * its webhook deliveries fail and are recorded so; GitHub does not deliver them again by itself.
   */
  async unreachable<T>(act: () => Promise<T>): Promise<T> {
    const { webhooks } = this.core;
    const [target, spread] = [webhooks.target, webhooks.spread];
    webhooks.target = null;
    webhooks.spread = [];
    try {
      return await act();
    } finally {
      webhooks.target = target;
      webhooks.spread = spread;
    }
  }

  /** Mints an installation token directly, for tests that act as the app without a JWT. */
  mintToken(): string {
    return this.core.state.mintToken(this.installationId).token;
  }

  /** Expires every token issued so far, so the app must fetch a new one. */
  expireTokens(): void {
    this.core.state.expireTokens();
  }

  async waitFor(check: () => boolean | Promise<boolean>, opts: { timeoutMs?: number; message?: string } = {}): Promise<void> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      if (Date.now() >= deadline) throw new Error(opts.message ?? `waitFor: condition not met after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async stop(): Promise<void> {
    // Deliveries to an app that is already gone fail fast; never let them hold up the test.
    await Promise.race([this.core.webhooks.drain(), new Promise((r) => setTimeout(r, 2_000).unref())]);
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    await rm(this.root, { recursive: true, force: true });
  }
}
