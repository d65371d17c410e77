import { realpathSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bwrapArgv, type Mount, systemMounts } from "../../runners/sandbox/bwrap-argv.js";
import { networkFor } from "../../runners/sandbox/network-policy.js";
import { repoSettings } from "../../src/config/repo-settings.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { resolveMounts, sandboxCommand } from "../../runners/sandbox/sandbox-command.js";
import { toolMounts } from "../../runners/sandbox/sandbox.js";

const checkout = "/data/worktrees/acme__net/7/abc";
const plan = "/data/plans/acme__net/7/net-default-1234";

describe("bwrapArgv", () => {
  it("builds the exact command line: namespaces, identity, fresh /proc /dev /tmp, mounts, cwd, command", () => {
    const mounts: Mount[] = [
      { source: "/usr", target: "/usr", writable: false, optional: true },
      { source: "/real/data/worktrees/acme__net/7/abc", target: checkout, writable: true },
      { source: "/data/terraformrc", target: "/data/terraformrc", writable: false },
    ];
    expect(bwrapArgv({ mounts, network: true, cwd: `${checkout}/net` }, ["terraform", "plan"])).toEqual([
      "--unshare-all",
      "--unshare-user",
      "--disable-userns",
      "--share-net",
      "--die-with-parent",
      "--new-session",
      "--uid",
      "65534",
      "--gid",
      "65534",
      "--hostname",
      "sluice-sandbox",
      "--proc",
      "/proc",
      "--dev",
      "/dev",
      "--tmpfs",
      "/dev/shm",
      "--remount-ro",
      "/dev",
      "--tmpfs",
      "/tmp",
      "--ro-bind-try",
      "/usr",
      "/usr",
      "--ro-bind",
      "/data/terraformrc",
      "/data/terraformrc",
      "--bind",
      "/real/data/worktrees/acme__net/7/abc",
      checkout,
      "--remount-ro",
      "/",
      "--chdir",
      `${checkout}/net`,
      "--",
      "terraform",
      "plan",
    ]);
  });

  it("keeps no network for network: none", () => {
    const argv = bwrapArgv({ mounts: [], network: false, cwd: "/" }, ["true"]);
    expect(argv).toContain("--unshare-all");
    expect(argv).not.toContain("--share-net");
  });

  it("mounts parents before children, whatever the order given: a read-only file inside a writable dir stays read-only", () => {
    const argv = bwrapArgv(
      {
        mounts: [
          { source: "/s/a/b/key", target: "/s/a/b/key", writable: false },
          { source: "/s/a", target: "/s/a", writable: true },
        ],
        network: true,
        cwd: "/s/a",
      },
      ["true"],
    );
    expect(argv.indexOf("/s/a")).toBeLessThan(argv.indexOf("/s/a/b/key"));
  });

  it("never puts the environment in argv (it would show in /proc/PID/cmdline)", () => {
    const argv = bwrapArgv({ mounts: systemMounts(), network: true, cwd: "/" }, ["env"]);
    expect(argv.some((a) => a === "--setenv" || a.includes("="))).toBe(false);
  });

  it("does not mount /etc as a whole, the data dir or /home", () => {
    const targets = systemMounts().map((m) => m.target);
    expect(targets).not.toContain("/etc");
    expect(targets).toContain("/etc/ssl");
    expect(targets.some((t) => t.startsWith("/home") || t.startsWith("/var") || t.startsWith("/root"))).toBe(false);
  });
});

describe("sandboxCommand", () => {
  const run = {
    bwrap: {
      path: "/usr/bin/bwrap",
      network: true,
      mounts: [
        { source: plan, target: plan, writable: true },
        { source: "/cache", target: "/cache", writable: false },
      ],
    },
    limits: { processes: 100, fileSizeBytes: 1024, memoryBytes: 1 << 30 },
  };

  it("wraps the tool in prlimit inside bwrap, with the sandbox's HOME and TMPDIR", () => {
    const cmd = sandboxCommand(run, "terraform", ["init"], plan);
    expect(cmd.file).toBe("/usr/bin/bwrap");
    expect(cmd.args.slice(cmd.args.indexOf("--"))).toEqual(["--", "prlimit", "--nproc=101", "--fsize=1024", "--", "terraform", "init"]);
    expect(cmd.env).toEqual({ HOME: "/tmp", TMPDIR: "/tmp" });
  });

  it("sizes the private /tmp and /dev/shm (tmpfs's: memory) to the memory limit: --size right before each --tmpfs; /dev read-only", () => {
    const args = sandboxCommand(run, "terraform", ["init"], plan).args;
    const sized = (dir: string) => args.slice(args.indexOf(dir) - 3, args.indexOf(dir) + 1);
    expect(sized("/tmp")).toEqual(["--size", String(1 << 30), "--tmpfs", "/tmp"]);
    expect(sized("/dev/shm")).toEqual(["--size", String(1 << 30), "--tmpfs", "/dev/shm"]);
    expect(args.slice(args.indexOf("/dev/shm") + 1, args.indexOf("/dev/shm") + 3)).toEqual(["--remount-ro", "/dev"]);
    const unsized = sandboxCommand({ ...run, limits: {} }, "terraform", ["init"], plan).args;
    expect(unsized).not.toContain("--size");
  });

  it("makes a read-only mount writable for one command only (a plugin cache download)", () => {
    const flagOf = (args: string[], target: string) => args[args.lastIndexOf(target) - 2];
    expect(flagOf(sandboxCommand(run, "terraform", ["init"], plan).args, "/cache")).toBe("--ro-bind");
    expect(flagOf(sandboxCommand(run, "terraform", ["init"], plan, ["/cache"]).args, "/cache")).toBe("--bind");
  });

  it("with the sandbox off, still applies the limits", () => {
    expect(sandboxCommand({ limits: run.limits }, "terraform", ["plan"], plan)).toEqual({
      file: "prlimit",
      args: ["--nproc=101", "--fsize=1024", "--", "terraform", "plan"],
      env: {},
    });
    expect(sandboxCommand({ limits: {} }, "terraform", ["plan"], plan)).toEqual({ file: "terraform", args: ["plan"], env: {} });
  });
});

describe("resolveMounts", () => {
  it("makes a read-only host symlink into another read-only mount the same symlink (merged /usr), and binds the rest", async () => {
    const root = realpathSync(await mkdtemp(join(tmpdir(), "sluice-mounts-")));
    try {
      await mkdir(join(root, "usr/bin"), { recursive: true });
      await mkdir(join(root, "elsewhere"), { recursive: true });
      await symlink("usr/bin", join(root, "bin"));
      await symlink("elsewhere", join(root, "outside"));
      await symlink("usr/bin", join(root, "work"));
      const ro = (p: string): Mount => ({ source: join(root, p), target: join(root, p), writable: false, optional: true });
      const resolved = resolveMounts([ro("usr"), ro("bin"), ro("outside"), { ...ro("work"), writable: true }, ro("missing")]);
      expect(resolved).toEqual([
        ro("usr"),
        { ...ro("bin"), source: join(root, "usr/bin"), symlink: "usr/bin" },
        // Its target is under no mount: a symlink would dangle, so it is bound.
        { ...ro("outside"), source: join(root, "elsewhere") },
        // Writable mounts stay binds: the run must write through them.
        { ...ro("work"), source: join(root, "usr/bin"), writable: true },
        ro("missing"),
      ]);
      expect(bwrapArgv({ mounts: resolved.slice(0, 2), network: false, cwd: "/" }, ["true"])).toEqual(
        expect.arrayContaining(["--symlink", "usr/bin", join(root, "bin")]),
      );
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("toolMounts", () => {
  it("mounts the dirs of binaries outside the system paths read-only: the path used and its real location", async () => {
    const root = realpathSync(await mkdtemp(join(tmpdir(), "sluice-tools-")));
    try {
      await mkdir(join(root, "real"));
      await mkdir(join(root, "bin"));
      await writeFile(join(root, "real", "helm"), "");
      await symlink(join(root, "real", "helm"), join(root, "bin", "helm"));
      const found: Record<string, string> = { terraform: "/usr/local/bin/terraform", sh: "/bin/sh", helm: join(root, "bin", "helm") };
      expect(toolMounts(["terraform", "sh", "helm", "missing"], (n) => found[n])).toEqual([
        { source: join(root, "bin"), target: join(root, "bin"), writable: false },
        { source: join(root, "real"), target: join(root, "real"), writable: false },
      ]);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe("networkFor", () => {
  const rules = { "acme/vault": "none", "acme/infra:prod-*": "none", "acme/*:open": "on", "acme/*": "none" } as const;
  it.each([
    ["acme/vault", "anything", "none"],
    ["acme/infra", "prod-db", "none"],
    ["acme/infra", "open", "on"],
    ["acme/infra", "dev", "none"],
    ["other/repo", "x", "on"],
    ["ACME/Vault", "x", "none"],
  ])("%s project %s → %s", (repo, project, expected) => {
    expect(networkFor(rules, repo, project)).toBe(expected);
  });
  it("keeps the network when no rule is given", () => {
    expect(networkFor({}, "acme/x", "y")).toBe("on");
  });
});

describe("network rules by a project's trusted identity", () => {
  const rules = { "acme/infra:prod": "none", "acme/infra:open": "on" } as const;
  const base = [
    { name: "prod", dir: "prod", workspace: "default" },
    { name: "open", dir: "open", workspace: "default" },
  ];
  const server = parseServerConfig("network: {}");
  const settings = repoSettings({ ...server, network: rules }, "acme/infra", undefined, {}, base);
  it.each([
    ["a PR renaming prod's project", { name: "renamed", dir: "prod", workspace: "default" }, "none"],
    ["a PR naming another dir's project prod (it is open)", { name: "prod", dir: "open", workspace: "default" }, "on"],
    ["the open project as it is", { name: "open", dir: "open", workspace: "default" }, "on"],
    ["a new dir, whatever it is named", { name: "prod", dir: "prod2", workspace: "default" }, "on"],
  ])("%s", (_label, project, expected) => {
    expect(settings.networkFor(project)).toBe(expected);
  });
  it("a repository-wide fence covers new and nested projects too", () => {
    const fenced = repoSettings({ ...server, network: { "ACME/*": "none" } }, "acme/infra", undefined, {}, base);
    expect(fenced.networkFor({ name: "x", dir: "envs/new/deep", workspace: "default" })).toBe("none");
  });
});
