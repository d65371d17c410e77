import type PQueue from "p-queue";
import type { Runner } from "../../runners/runner.js";
import type { Sandbox } from "../../runners/sandbox/sandbox.js";
import type { ServerConfig } from "../config/server-config.js";
import type { Job } from "../model/job.js";
import type { RunnerKind } from "../model/project.js";
import type { Workspace } from "../workspace/workspace.js";
import type { MemoryBudget } from "../../runners/memory-budget.js";
import type { Reporting } from "../job-output/publish-comments.js";
import type { Store } from "../store/store.js";
import type { OidcIssuer } from "../credentials/oidc-issuer.js";
import type { Redactor } from "../util/redact.js";
import type { VcsClient } from "../vcs/vcs-client.js";

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** What every tool run of this replica shares: the runners, the sandbox, their env and how many run at once. */
export interface ToolDeps {
  runners: Partial<Record<RunnerKind, Runner>>;
  /** Where every tool run happens (runners/sandbox/); refuses runs when bubblewrap cannot start. */
  sandbox: Sandbox;
  /** Env every runner gets (our own TF_CLI_CONFIG_FILE, plugin cache…). */
  env: Record<string, string>;
  /** Projects in progress at once on this replica (src/queue/project-queues.ts). */
  projectQueue: PQueue;
  /** Tool runs at once on this replica (`parallel`): every exec of a project's run takes one. */
  toolSlots: PQueue;
  /** Tool runs admitted by memory too (`memory_budget`): a run that does not fit waits for one that ends. */
  memory: MemoryBudget;
}

/** What every job's redaction starts from (src/job-context/secrets.ts). */
export interface RedactionDeps {
  /**
   * Redacts the app's own credentials (webhook secret, private key, server secrets) and applies the
   * built-in and configured patterns (redact_patterns): built once. A job's secrets chain after it.
   */
  app: Redactor;
}

/** Everything a job needs, handed in by the app so jobs stay free of construction details. */
export interface JobDeps {
  store: Store;
  /** The GitHub client of the job's installation; its retries are logged with the job's delivery id. */
  vcsFor(job: Pick<Job, "id" | "deliveryId" | "target">): Promise<VcsClient>;
  workspace: Workspace;
  tools: ToolDeps;
  config: ServerConfig;
  log: JobLog;
  dataDir: string;
  redaction: RedactionDeps;
  reporting: Reporting;
  /** Tells the worker a job was enqueued from inside another job. */
  wake(): void;
  /** Sluice as an OIDC issuer of run tokens; absent without SLUICE_PUBLIC_URL. */
  oidcIssuer?: OidcIssuer;
  /** Signs the plans kept in the store and checks them before an apply (src/tool-runs/plan-signature.ts). */
  planKey: Buffer;
}
