import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

/**
 * scripts/setup-system.ts run as npm's pre-hooks run it, against a PATH of our own: stand-ins for
 * apt-get and sudo record their argv (apt-get "installs" by creating the stand-in binaries), so
 * every decision is proven without removing a package from this machine. (Helm and kubectl come
 * from npm into .tools/bin, already there for this checkout, so they add no calls.)
 */
const ROOT = join(import.meta.dirname, "../..");
const SCRIPT = join(ROOT, "scripts/setup-system.ts");
const TSX = import.meta.resolve("tsx/esm");
const NOBODY = 65534;

let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

interface Machine {
  bin: string;
  log: string;
  chromium: string;
  pgRoot: string;
}

const exe = (file: string, body: string) => {
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
};

/** A machine with only `present` (command names, plus "chromium" and "postgres"), apt-get, and sudo when asked. */
function machine(present: string[], opts: { sudo?: "ok" | "password" } = {}): Machine {
  const dir = mkdtempSync(join(tmpdir(), "sluice-setup-"));
  dirs.push(dir);
  chmodSync(dir, 0o777);
  const m: Machine = {
    bin: join(dir, "bin"),
    log: join(dir, "calls.log"),
    chromium: join(dir, "chromium"),
    pgRoot: join(dir, "postgresql"),
  };
  mkdirSync(m.bin, { mode: 0o777 });
  chmodSync(m.bin, 0o777);
  writeFileSync(m.log, "");
  chmodSync(m.log, 0o666);
  for (const name of present.filter((p) => p !== "chromium" && p !== "postgres")) exe(join(m.bin, name), "exit 0");
  if (present.includes("chromium")) exe(m.chromium, "exit 0");
  if (present.includes("postgres")) {
    mkdirSync(join(m.pgRoot, "15/bin"), { recursive: true });
    exe(join(m.pgRoot, "15/bin/initdb"), "exit 0");
  }
  const fake = (name: string) =>
    `#!/bin/sh\n/bin/echo ${name} "$@" >> ${m.log}\n/bin/chmod 0777 ${dir} 2>/dev/null\n` +
    `exe() { /bin/echo '#!/bin/sh' > "$1"; /bin/chmod 0755 "$1"; }\n`;
  writeFileSync(
    join(m.bin, "apt-get"),
    `${fake("apt-get")}[ "$1" = install ] || exit 0\nfor p in "$@"; do case "$p" in\n` +
      `  bubblewrap) exe ${m.bin}/bwrap ;;\n  python3) exe ${m.bin}/python3 ;;\n  kubernetes-client) exe ${m.bin}/kubectl ;;\n  git) exe ${m.bin}/git ;;\n` +
      `  chromium) exe ${m.chromium} ;;\n  postgresql) /bin/mkdir -p ${m.pgRoot}/15/bin && exe ${m.pgRoot}/15/bin/initdb ;;\nesac; done\n`,
  );
  chmodSync(join(m.bin, "apt-get"), 0o755);
  if (opts.sudo) {
    writeFileSync(
      join(m.bin, "sudo"),
      `${fake("sudo")}${opts.sudo === "ok" ? "" : "echo 'sudo: a password is required' >&2; exit 1\n"}[ "$1" = -n ] && shift\n[ "$1" = true ] && exit 0\nexec "$@"\n`,
    );
    chmodSync(join(m.bin, "sudo"), 0o755);
  }
  return m;
}

function setup(m: Machine, mode: "runtime" | "test", as?: number) {
  const r = spawnSync(process.execPath, ["--import", TSX, SCRIPT, mode], {
    cwd: ROOT,
    env: { PATH: m.bin, HOME: tmpdir(), SLUICE_CHROMIUM: m.chromium, SLUICE_PG_ROOT: m.pgRoot },
    encoding: "utf8",
    ...(as === undefined ? {} : { uid: as, gid: as }),
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, calls: readFileSync(m.log, "utf8").trim().split("\n").filter(Boolean) };
}

const ALL = ["git", "terraform", "bwrap", "python3", "chromium", "postgres"];
const asRoot = process.getuid?.() === 0;

describe("setup-system: what npm's pre-hooks install, and when they stop", () => {
  it("everything there: nothing is installed, apt-get is never called", () => {
    const r = setup(machine(ALL), "test");
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.calls).toEqual([]);
  });

  it("npm start / demo need bubblewrap and python3, not the tests' chromium and PostgreSQL", () => {
    const r = setup(machine(["git", "terraform", "bwrap", "python3"]), "runtime");
    expect([r.code, r.err]).toEqual([0, ""]);
    expect(r.calls).toEqual([]);
  });

  it.runIf(asRoot)("as root: apt-get installs exactly the missing packages, then the command goes on", () => {
    const m = machine(["git", "terraform", "python3"]);
    const r = setup(m, "test");
    expect(r.code, r.err).toBe(0);
    expect(r.calls).toEqual(["apt-get update -q", "apt-get install -y -q bubblewrap chromium postgresql"]);
    expect(existsSync(join(m.bin, "bwrap")) && existsSync(m.chromium)).toBe(true);
    // A second run finds everything.
    expect(setup(m, "test").calls).toHaveLength(2);
  });

  it.runIf(asRoot)("not root, sudo without a password: the same install through sudo -n", () => {
    const m = machine(["git", "terraform", "python3", "chromium", "postgres"], { sudo: "ok" });
    const r = setup(m, "test", NOBODY);
    expect(r.code, r.err).toBe(0);
    expect(r.calls).toEqual([
      "sudo -n true",
      "sudo -n apt-get update -q",
      "apt-get update -q",
      "sudo -n apt-get install -y -q bubblewrap",
      "apt-get install -y -q bubblewrap",
    ]);
  });

  it.runIf(asRoot)("not root, sudo asks for a password: stops at once with the exact command, installs nothing", () => {
    const m = machine(["git", "terraform", "python3", "chromium", "postgres"], { sudo: "password" });
    const r = setup(m, "runtime", NOBODY);
    expect(r.code).toBe(1);
    expect(r.err).toContain("sudo apt-get update && sudo apt-get install -y bubblewrap\n");
    expect(r.err).toContain("bwrap (bubblewrap): every tool run starts in a bubblewrap sandbox");
    expect(r.calls).toEqual(["sudo -n true"]);
  });

  it.runIf(asRoot)("not root, no sudo at all: the command to run as root", () => {
    const r = setup(machine(["git", "terraform"]), "runtime", NOBODY);
    expect(r.code).toBe(1);
    expect(r.err).toContain("su -c 'apt-get update && apt-get install -y bubblewrap python3'");
    expect(r.err).toContain("python3 (python3): Sluice starts every tool through a small Python process");
    expect(r.calls).toEqual([]);
  });

  it("terraform missing: apt cannot install it, so it stops naming it before installing anything", () => {
    const r = setup(machine(["git"]), "runtime");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/terraform: plans and applies run terraform \(or tofu\)/);
    expect(r.err).toContain("install -y bubblewrap");
    expect(r.calls).toEqual([]);
  });
});
