import { execFile } from "node:child_process";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import type { Exec, PlanOutcome, PlanRequest, Runner } from "../../runners/runner.js";
import type { Sandbox } from "../../runners/sandbox/sandbox.js";
import type { Project } from "../../src/model/project.js";
import type { Workflow } from "../../src/model/repo-config.js";
import { createRedactor } from "../../src/util/redact.js";

/**
 * A state that holds a secret its checkout no longer has: an earlier apply put it there, and the
 * pull request's code has rotated it away. Terraform prints such a value unmarked in its text plan
 * (a terraform_data's `output` echoing a sensitive `input`), and Sluice learns it is sensitive only
 * from the plan's JSON: the fixture of the tests that nothing of it leaves.
 */

const run = promisify(execFile);

/** terraform as a test runs it outside Sluice: no CLI config, no checkpoint calls. */
export const TF_ENV = { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null", CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" };

/** The real terraform, but `show` fails as terraform's does (an error on stderr, exit code 1). */
export const TERRAFORM_SHOW_FAILS = `#!/bin/sh
if [ "$1" = show ]; then echo "Error: Failed to read the given file as a state or plan file" >&2; exit 1; fi
exec terraform "$@"
`;

/** Writes each stand-in script into `dir`, executable; returns their paths by name. */
export async function writeStandIns<K extends string>(dir: string, scripts: Record<K, string>): Promise<Record<K, string>> {
  await mkdir(dir, { recursive: true });
  const paths = {} as Record<K, string>;
  for (const [name, text] of Object.entries(scripts) as [K, string][]) {
    paths[name] = join(dir, name);
    await writeFile(paths[name], text);
    await chmod(paths[name], 0o755);
  }
  return paths;
}

/** Writes `files` (paths from `root`), making their dirs. */
export async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

/**
 * Applies the module in `cwd` (init, apply) so that its state holds what `env` gives it, then
 * removes what init left, as a fresh checkout of the same commit would have none of it.
 */
export async function applyPriorState(cwd: string, env: NodeJS.ProcessEnv = TF_ENV): Promise<void> {
  await run("terraform", ["init", "-input=false", "-no-color"], { cwd, env });
  await run("terraform", ["apply", "-auto-approve", "-input=false", "-no-color"], { cwd, env });
  await rm(join(cwd, ".terraform"), { recursive: true, force: true });
  await rm(join(cwd, ".terraform.lock.hcl"), { force: true });
}

/**
 * A checkout `root/name` whose project `vault` was applied with the files of `applied` (the secret
 * among them) and now holds those of `planned`; its local state in `state/` beside the project.
 */
export async function priorStateCheckout(
  root: string,
  name: string,
  files: { applied: Record<string, string>; planned: Record<string, string> },
): Promise<{ checkout: string; dataDir: string }> {
  const checkout = join(root, name);
  await mkdir(join(checkout, "vault"), { recursive: true });
  await mkdir(join(checkout, "state"), { recursive: true });
  await writeFiles(checkout, files.applied);
  await applyPriorState(join(checkout, "vault"));
  // The secret is no longer in the checkout: only the state holds it now.
  await writeFiles(checkout, files.planned);
  return { checkout, dataDir: join(root, `${name}-data`) };
}

/** A plan by `runner`, with what it streamed to the live log as it ran. */
export async function planStreaming(
  runner: Pick<Runner, "plan">,
  req: Omit<PlanRequest, "onOutput">,
  exec: Exec,
): Promise<{ outcome: PlanOutcome; streamed: string }> {
  const streamed: string[] = [];
  const outcome = await runner.plan({ ...req, onOutput: (chunk) => streamed.push(chunk) }, exec);
  return { outcome, streamed: streamed.join("") };
}

/** The project of a prior-state checkout. */
export const VAULT: Project = { name: "vault", dir: "vault", workspace: "default", runner: "terraform" };

/**
 * The plan of a prior-state checkout's project by `runner`, in `sandbox` (it may write the checkout
 * and the data dir, and read `readable`, with no network), redacted as a job's is at first (no
 * secret known), with what it streamed.
 */
export function planVaultInSandbox(
  sandbox: Sandbox,
  runner: Pick<Runner, "plan">,
  { checkout, dataDir }: { checkout: string; dataDir: string },
  opts: { readable?: string[]; workflow?: Workflow; timeoutMs?: number } = {},
): Promise<{ outcome: PlanOutcome; streamed: string }> {
  const sandboxed = sandbox.execFor({ writable: [checkout, dataDir], readable: opts.readable ?? [], network: "none" });
  if (!sandboxed.ok) throw new Error(sandboxed.reason);
  const req = {
    project: VAULT,
    checkoutDir: checkout,
    dataDir,
    extraArgs: [],
    env: {},
    timeoutMs: opts.timeoutMs ?? 60_000,
    redact: createRedactor(),
    ...(opts.workflow ? { workflow: opts.workflow } : {}),
  };
  return planStreaming(runner, req, sandboxed.exec);
}
