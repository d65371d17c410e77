import { rmSync } from "node:fs";
import { join } from "node:path";
import { credentialedExec } from "../../runners/credentialed-exec.js";
import type { Exec } from "../../runners/runner.js";
import type { RepoSettings } from "../config/repo-settings.js";
import { type Prepared, prepareRunCredentials } from "../credentials/prepare-run-credentials.js";
import type { CredentialPhase, RunClaims } from "../model/credentials.js";
import type { Project } from "../model/project.js";
import type { JobDeps } from "../job-context/job-deps.js";
import type { Secrets } from "../job-context/secrets.js";

const runRoot = (dataDir: string) => join(dataDir, "run-credentials");

/**
 * Token files a process that died mid-run left behind (valid for minutes still): removed when the
 * job runtime starts, before any run of this data dir can make new ones.
 */
export function clearRunCredentials(dataDir: string): void {
  rmSync(runRoot(dataDir), { recursive: true, force: true });
}

const NO_CREDENTIALS = { env: {}, mounts: [], identity: "", dispose: async () => undefined };

/** A plan's token lives minutes; an apply's as long as an apply step may run (at most an hour). */
const PLAN_TTL_MS = 10 * 60e3;
const APPLY_MIN_TTL_MS = 30 * 60e3;

/**
 * The credentials of one run of `project`: the server's `credentials` rule for its trusted
 * identity, the `phase` set of it. Plans and drift checks take `plan`; every road that changes
 * infrastructure takes `apply`, and only once the gate allowed it (through-gate.ts).
 */
export function runCredentials(
  deps: Pick<JobDeps, "dataDir" | "tools" | "oidcIssuer" | "config">,
  settings: Pick<RepoSettings, "credentialsFor">,
  secrets: Secrets,
  project: Project,
  phase: CredentialPhase,
  claims: Omit<RunClaims, "project" | "phase" | "workspace">,
): Promise<Prepared> {
  // A server without rules says nothing about credentials in its comments.
  if (deps.config.credentials.length === 0) return Promise.resolve({ ok: true, creds: NO_CREDENTIALS });
  return prepareRunCredentials({
    choice: settings.credentialsFor(project),
    phase,
    claims: { ...claims, workspace: project.workspace },
    ttlMs: phase === "plan" || phase === "preview-plan" ? PLAN_TTL_MS : Math.max(APPLY_MIN_TTL_MS, deps.config.step_timeout),
    issuer: deps.oidcIssuer,
    runRoot: runRoot(deps.dataDir),
    sandboxOn: deps.tools.sandbox.status.mode === "on",
    addSecrets: (values) => secrets.add(values),
  });
}

/** Runs `run` with the prepared credentials and removes their files when it ends, however it ends. */
export async function runWithCredentials<T>(
  prepared: Prepared,
  exec: Exec,
  run: (exec: Exec) => Promise<T>,
): Promise<{ ok: true; value: T; identity: string } | { ok: false; reason: string }> {
  if (!prepared.ok) return prepared;
  try {
    return { ok: true, value: await run(credentialedExec(exec, prepared.creds)), identity: prepared.creds.identity };
  } finally {
    await prepared.creds.dispose();
  }
}
