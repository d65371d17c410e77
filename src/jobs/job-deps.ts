import type PQueue from "p-queue";
import type { Runner } from "../../runners/runner.js";
import type { Sandbox } from "../../runners/sandbox/sandbox.js";
import type { ServerConfig } from "../config/server-config.js";
import type { RunnerKind } from "../model/project.js";
import type { Redactor } from "../util/redact.js";
import type { Job } from "../model/job.js";
import type { Store } from "../store/store.js";
import type { VcsClient } from "../vcs/vcs-client.js";
import type { Workspace } from "../workspace/workspace.js";

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Everything a job needs, handed in by the app so jobs stay free of construction details. */
export interface JobDeps {
  store: Store;
  /** The GitHub client of the job's installation; its retries are logged with the job's delivery id. */
  vcsFor(job: Pick<Job, "id" | "deliveryId" | "target">): Promise<VcsClient>;
  workspace: Workspace;
  runners: Partial<Record<RunnerKind, Runner>>;
  config: ServerConfig;
  log: JobLog;
  dataDir: string;
  /** Projects in progress at once on this replica (project-queues.ts). */
  projectQueue: PQueue;
  /** Tool runs at once on this replica (`parallel`): every exec of a project's run takes one (sandboxed-exec.ts). */
  toolSlots: PQueue;
  /** Env every runner gets (our own TF_CLI_CONFIG_FILE, plugin cache…). */
  runnerEnv: Record<string, string>;
  /** Redacts the app's own credentials (webhook secret, private key, server secrets): built once. */
  appRedactor: Redactor;
  /** Compiled redact_patterns of the server config. */
  redactPatterns: RegExp[];
  /** How long a finished job keeps trying to post its result while GitHub is down. */
  reportRetry: { baseMs: number; forMs: number };
  /** SLUICE_PUBLIC_URL without a trailing slash: comments link to the console's job pages. */
  publicUrl?: string;
  /** Where every tool run happens (runners/sandbox/); refuses runs when bubblewrap cannot start. */
  sandbox: Sandbox;
  /** Tells the worker a job was enqueued from inside another job. */
  wake(): void;
  /** Signs the plans kept in the store and checks them before an apply (plan-signature.ts). */
  planKey: Buffer;
}
