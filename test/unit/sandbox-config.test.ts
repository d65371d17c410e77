import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { sandboxSettings } from "../../src/app/sandbox-settings.js";
import { ConfigError, parseServerConfig } from "../../src/config/server-config.js";

describe("server config: sandbox keys", () => {
  it("defaults: sandbox on, no extra paths, limits set, network on everywhere", () => {
    const c = parseServerConfig("");
    expect(c.sandbox).toBe("on");
    expect(c.sandbox_paths).toEqual([]);
    expect(c.limits).toEqual({ memory: 4 * 1024 ** 3, processes: 2048, file_size: 2 * 1024 ** 3, disk: 8 * 1024 ** 3 });
    expect(c.data_reserve).toBe(64 * 1024 ** 2);
    expect(c.network).toEqual({});
  });

  it("reads on/off (and YAML booleans), sizes, paths and network rules", () => {
    const c = parseServerConfig(
      'sandbox: off\nsandbox_paths: [/srv/state]\nlimits: { memory: 512Mi, file_size: 1G, disk: 2Gi }\ndata_reserve: 0\nnetwork: { "acme/vault": none }\n',
    );
    expect(c.sandbox).toBe("off");
    expect(c.sandbox_paths).toEqual(["/srv/state"]);
    expect(c.limits).toEqual({ memory: 512 * 1024 ** 2, processes: 2048, file_size: 1e9, disk: 2 * 1024 ** 3 });
    expect(c.data_reserve).toBe(0);
    expect(c.network).toEqual({ "acme/vault": "none" });
    expect(parseServerConfig("sandbox: true\n").sandbox).toBe("on");
    expect(parseServerConfig("sandbox: false\n").sandbox).toBe("off");
  });

  it.each([
    ["sandbox: maybe\n", /^sandbox: /m],
    ["sandbox_paths: [relative/dir]\n", /sandbox_paths\.0: must be an absolute path \(line 1\)/],
    ["limits: { memory: lots }\n", /limits\.memory: a size such as 512Mi, 4Gi or 1G \(line 1\)/],
    ["limits: { processes: 2 }\n", /limits\.processes: /],
    ["limits: { cpu: 2 }\n", /limits: /],
    ["network: { 'acme/x': off }\n", /network\.acme\/x: /],
  ])("rejects %j with the key and line", (text, message) => {
    expect(() => parseServerConfig(text)).toThrow(message);
  });
});

describe("sandboxSettings", () => {
  const files = { dataDir: "/data", cliConfig: "/data/terraformrc", pluginCacheDir: "/data/plugin-cache" };
  it("merges SLUICE_SANDBOX_PATHS (colon-separated) into sandbox_paths, without duplicates", () => {
    const c = parseServerConfig("sandbox_paths: [/srv/state]\n");
    const s = sandboxSettings(c, files, { SLUICE_SANDBOX_PATHS: "/srv/creds::/srv/state" });
    expect(s.paths).toEqual(["/srv/state", "/srv/creds"]);
    expect(s.bwrapPath).toBe("bwrap");
    expect(s.readOnlyFiles).toEqual(["/data/terraformrc"]);
    expect(s.limits).toEqual({
      memoryBytes: c.limits.memory,
      processes: c.limits.processes,
      fileSizeBytes: c.limits.file_size,
      diskBytes: c.limits.disk,
    });
  });
  it("takes the bwrap binary from SLUICE_BWRAP_PATH", () => {
    expect(sandboxSettings(parseServerConfig(""), files, { SLUICE_BWRAP_PATH: "/opt/bwrap" }).bwrapPath).toBe("/opt/bwrap");
  });
  it.each(["/", "/data", "/data/worktrees", "/data/"])("refuses %s: it overlaps the data dir", (path) => {
    expect(() => sandboxSettings(parseServerConfig(""), files, { SLUICE_SANDBOX_PATHS: path })).toThrow(/overlaps the data dir/);
    expect(sandboxSettings(parseServerConfig(""), files, { SLUICE_SANDBOX_PATHS: "/database" }).paths).toEqual(["/database"]);
  });
  it("refuses a path that overlaps the data dir through a symlink, either's (runs mount what it resolves to)", () => {
    const root = mkdtempSync(join(tmpdir(), "sluice-sbx-overlap-"));
    try {
      // The data dir is a link into a disk (/data -> /mnt/disk/sluice), and a sandbox path is that disk.
      mkdirSync(join(root, "disk/sluice/worktrees"), { recursive: true });
      mkdirSync(join(root, "other"));
      symlinkSync(join(root, "disk/sluice"), join(root, "data"));
      symlinkSync(join(root, "disk/sluice/worktrees"), join(root, "state"));
      const linked = { ...files, dataDir: join(root, "data") };
      for (const path of [join(root, "disk"), join(root, "state"), join(root, "state/not-made-yet")]) {
        expect(() => sandboxSettings(parseServerConfig(""), linked, { SLUICE_SANDBOX_PATHS: path })).toThrow(/overlaps the data dir/);
      }
      // Control: a path beside it is taken.
      const other = join(root, "other");
      expect(sandboxSettings(parseServerConfig(""), linked, { SLUICE_SANDBOX_PATHS: other }).paths).toEqual([other]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
  it.each(["/dev", "/dev/shm", "/dev/shm/sluice/sluice-abc", "/dev/shm/sluice/sluice-abc/worktrees/acme__infra"])(
    "refuses %s: it overlaps the worktrees' dir (SLUICE_WORKTREE_DIR), where every other PR's files are",
    (path) => {
      const elsewhere = { ...files, worktreeRoot: "/dev/shm/sluice/sluice-abc" };
      expect(() => sandboxSettings(parseServerConfig(""), elsewhere, { SLUICE_SANDBOX_PATHS: path })).toThrow(
        /overlaps the worktrees' dir \/dev\/shm\/sluice\/sluice-abc/,
      );
      // Control: a path beside it is taken, and without that setting the same path is.
      expect(sandboxSettings(parseServerConfig(""), elsewhere, { SLUICE_SANDBOX_PATHS: "/dev/shm/other" }).paths).toEqual([
        "/dev/shm/other",
      ]);
      expect(sandboxSettings(parseServerConfig(""), files, { SLUICE_SANDBOX_PATHS: path }).paths).toEqual([path]);
    },
  );
  it("refuses a relative path in SLUICE_SANDBOX_PATHS", () => {
    expect(() => sandboxSettings(parseServerConfig(""), files, { SLUICE_SANDBOX_PATHS: "state" })).toThrow(ConfigError);
  });
});
