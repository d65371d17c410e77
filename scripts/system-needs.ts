/**
 * What Sluice and its tests need from the system, outside npm: pure data and the pure decision of
 * what to do about what is missing. scripts/setup-system.ts probes the machine and acts on it.
 * Helm and kubectl are not here: the setup unpacks both from a pinned npm package into
 * .tools/bin (Debian has no helm, and Debian 12's kubectl 1.20 renders few of today's
 * kustomizations).
 */

/** `runtime`: `npm start` and `npm run demo`. `test`: `npm test`, which also needs the runtime's. */
export type SetupMode = "runtime" | "test";

/** How a need is looked for: a command on PATH, a file, or `<under>/<any folder>/<rest>`. */
export type NeedProbe = { command: string } | { file: string } | { under: string; rest: string };

export interface SystemNeed {
  name: string;
  /** Debian's package; none when apt cannot install it (the README says where to get it). */
  package?: string;
  /** Any one of these found is enough. */
  probes: NeedProbe[];
  mode: SetupMode;
  why: string;
}

export interface NeedsEnv {
  /** The browser tests' chromium (default /usr/bin/chromium, as test/browser uses). */
  SLUICE_CHROMIUM?: string;
  /** Where PostgreSQL's versioned server folders are (Debian: /usr/lib/postgresql/15/bin/initdb). */
  SLUICE_PG_ROOT?: string;
}

export function systemNeeds(env: NeedsEnv = {}): SystemNeed[] {
  return [
    { name: "git", package: "git", probes: [{ command: "git" }], mode: "runtime", why: "Sluice clones every repository with git" },
    {
      name: "terraform",
      probes: [{ command: "terraform" }, { command: "tofu" }],
      mode: "runtime",
      why: "plans and applies run terraform (or tofu); it is not in Debian: install it from HashiCorp (README, Try it in a minute)",
    },
    {
      name: "bwrap",
      package: "bubblewrap",
      probes: [{ command: "bwrap" }],
      mode: "runtime",
      why: "every tool run starts in a bubblewrap sandbox",
    },
    {
      name: "python3",
      package: "python3",
      probes: [{ command: "python3" }],
      mode: "runtime",
      why: "Sluice starts every tool through a small Python process (runners/spawner/spawner.py)",
    },
    {
      name: "chromium",
      package: "chromium",
      probes: [{ file: env.SLUICE_CHROMIUM ?? "/usr/bin/chromium" }],
      mode: "test",
      why: "the console's browser tests drive Debian's chromium",
    },
    {
      name: "PostgreSQL server",
      package: "postgresql",
      probes: [{ under: env.SLUICE_PG_ROOT ?? "/usr/lib/postgresql", rest: "bin/initdb" }],
      mode: "test",
      why: "the store's PostgreSQL tests start a throwaway server from initdb and pg_ctl",
    },
  ];
}

export const neededFor = (mode: SetupMode, needs: readonly SystemNeed[]) => needs.filter((n) => mode === "test" || n.mode === "runtime");

export interface Privileges {
  root: boolean;
  /** `sudo -n true` succeeded: sudo without a password. */
  sudoWithoutPassword: boolean;
  sudoInstalled: boolean;
  aptGet: boolean;
}

export type SetupStep =
  | { kind: "ready" }
  /** Commands to run in order (argv arrays), then look again. */
  | { kind: "install"; commands: string[][]; packages: string[] }
  | { kind: "stop"; message: string };

const list = (needs: readonly SystemNeed[]) => needs.map((n) => `  - ${n.name}${n.package ? ` (${n.package})` : ""}: ${n.why}`).join("\n");

/** The exact command a person runs when this script may not install. */
export function installCommand(packages: readonly string[], p: Pick<Privileges, "root" | "sudoInstalled">): string {
  const apt = `apt-get update && apt-get install -y ${packages.join(" ")}`;
  if (p.root) return apt;
  return p.sudoInstalled ? `sudo apt-get update && sudo apt-get install -y ${packages.join(" ")}` : `su -c '${apt}'`;
}

/** Pure: what to do about the needs that were not found. */
export function planSetup(missing: readonly SystemNeed[], p: Privileges, command: string): SetupStep {
  if (missing.length === 0) return { kind: "ready" };
  const notApt = missing.filter((n) => !n.package);
  const packages = [...new Set(missing.flatMap((n) => (n.package ? [n.package] : [])))];
  if (notApt.length > 0) {
    const also = packages.length ? `\nand then: ${installCommand(packages, p)}` : "";
    return {
      kind: "stop",
      message: `${command} needs what this machine lacks:\n${list(missing)}\nInstall ${notApt.map((n) => n.name).join(", ")} first${also}`,
    };
  }
  if (!p.aptGet) {
    return {
      kind: "stop",
      message: `${command} needs what this machine lacks:\n${list(missing)}\nThere is no apt-get here: install them with the system's package manager (Debian's names are shown).`,
    };
  }
  const install = ["apt-get", "install", "-y", "-q", ...packages];
  const update = ["apt-get", "update", "-q"];
  if (p.root) return { kind: "install", commands: [update, install], packages };
  if (p.sudoWithoutPassword) return { kind: "install", commands: [update, install].map((c) => ["sudo", "-n", ...c]), packages };
  return {
    kind: "stop",
    message: `${command} needs what this machine lacks:\n${list(missing)}\nThis script may not install them (not root, and sudo asks for a password). Run:\n\n  ${installCommand(packages, p)}\n\nthen run ${command} again.`,
  };
}
