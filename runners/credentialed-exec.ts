import type { Exec } from "./runner.js";

/**
 * The exec of one run with its credentials: variables over the allowlisted environment, and server
 * files (token files among them) mounted read-only into its sandbox. Made per run, so no other run
 * (a plan beside an apply) sees them.
 */
export function credentialedExec(exec: Exec, creds: { env: Record<string, string>; mounts: { source: string; target: string }[] }): Exec {
  if (Object.keys(creds.env).length === 0 && creds.mounts.length === 0) return exec;
  const run: Exec = (file, args, opts) =>
    exec(file, args, {
      ...opts,
      env: { ...opts.env, ...creds.env },
      sandboxMounts: [...(opts.sandboxMounts ?? []), ...creds.mounts],
    });
  return Object.assign(run, { isolated: exec.isolated });
}
