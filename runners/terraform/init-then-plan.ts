import { randomUUID } from "node:crypto";
import type { ExecOptions, ExecResult } from "../exec.js";
import type { Exec } from "../runner.js";
import { initArgv } from "./terraform-argv.js";

/** What `init` then `plan` in one sandbox gave: init's own result, then plan's when init succeeded. */
export type InitThenPlan = { ok: false; init: ExecResult; output: string } | { ok: true; init: { output: string }; plan: ExecResult };

const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * `terraform init` and `terraform plan` in one tool run (one sandbox start instead of two: on small
 * projects the sandbox's start-up is a tenth of the plan's time). A shell inside the sandbox runs
 * init, prints a line with a random mark and init's exit code, and plans only if init succeeded.
 * Init runs no code of the PR (it downloads and verifies), so only plan could print that line too,
 * after the real one: the first one counts. Runs under a pty like plan alone does.
 */
export async function initThenPlan(exec: Exec, bin: string, planArgs: readonly string[], opts: ExecOptions): Promise<InitThenPlan> {
  const mark = `sluice-init-${randomUUID()}`;
  const script = `${[bin, ...initArgv()].map(quote).join(" ")}; s=$?; printf '\\n%s %s\\n' ${quote(mark)} "$s"; [ "$s" -eq 0 ] || exit 0; exec "$@"`;
  const line = new RegExp(`\\r?\\n${mark} (\\d+)\\r?\\n`);
  const hide = (chunk: string) => chunk.replace(line, "\n");
  const r = await exec("/bin/sh", ["-c", script, "sh", bin, ...planArgs], {
    ...opts,
    pty: true,
    onOutput: opts.onOutput && ((chunk) => opts.onOutput?.(hide(chunk))),
  });
  const found = line.exec(r.stdout);
  if (!found) return { ok: false, init: r, output: r.stdout };
  const initOutput = r.stdout.slice(0, found.index);
  const code = Number(found[1]);
  if (code !== 0) return { ok: false, init: { ...r, exitCode: code, signal: undefined }, output: initOutput };
  return { ok: true, init: { output: initOutput }, plan: { ...r, stdout: r.stdout.slice(found.index + found[0].length) } };
}
