import { tmpdir } from "node:os";
import { afterEach, describe, expect, it } from "vitest";
import { childEnv, isForbiddenEnvName } from "../../runners/child-env.js";
import { exec } from "../../runners/exec.js";

// A parent environment as hostile as an operator's shell can be: the app's credentials, other
// tools' credentials, and variables that would change how terraform, git, node or the dynamic
// linker behave (TF_CLI_ARGS_plan would even undo the comment-argument denylist).
const HOSTILE_PARENT: NodeJS.ProcessEnv = {
  PATH: "/usr/bin:/bin",
  HOME: "/home/sluice",
  LANG: "C.UTF-8",
  WEBHOOK_SECRET: "whsec-parent",
  PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nMIIEparent\n-----END RSA PRIVATE KEY-----",
  PRIVATE_KEY_PATH: "/etc/sluice/key.pem",
  APP_ID: "12345",
  GITHUB_TOKEN: "ghs_parenttoken000000000000000000000000",
  GH_TOKEN: "ghp_parenttoken000000000000000000000000",
  GITHUB_CLIENT_SECRET: "client-secret",
  DATABASE_URL: "postgres://sluice:pw@db/sluice",
  SLUICE_SERVER_CONFIG: "/etc/sluice/server.yaml",
  SLUICE_DATA_DIR: "/var/lib/sluice",
  AWS_ACCESS_KEY_ID: "AKIAPARENT0000000000",
  AWS_SECRET_ACCESS_KEY: "parent-aws-secret",
  GOOGLE_APPLICATION_CREDENTIALS: "/etc/gcp.json",
  TF_CLI_ARGS: "-lock=false",
  TF_CLI_ARGS_plan: "-state=/tmp/other.tfstate",
  TF_VAR_password: "parent-tf-var",
  TF_CLI_CONFIG_FILE: "/home/operator/.terraformrc",
  TF_PLUGIN_CACHE_DIR: "/home/operator/plugins",
  NODE_OPTIONS: "--require /tmp/evil.js",
  LD_PRELOAD: "/tmp/evil.so",
  LD_LIBRARY_PATH: "/tmp",
  BASH_ENV: "/tmp/evil.sh",
  ENV: "/tmp/evil.sh",
  GIT_SSH_COMMAND: "sh -c 'curl evil'",
  GIT_CONFIG_COUNT: "1",
  GIT_CONFIG_KEY_0: "core.fsmonitor",
  GIT_CONFIG_VALUE_0: "/tmp/evil",
  GIT_ASKPASS: "/tmp/evil",
  KUBECONFIG: "/home/operator/.kube/config",
  SSH_AUTH_SOCK: "/tmp/ssh-agent.sock",
};

const ALLOWED_FROM_PARENT = ["PATH", "HOME", "LANG"];

describe("childEnv", () => {
  it("inherits only the allowlisted names from a hostile parent", () => {
    const env = childEnv({}, HOSTILE_PARENT);
    expect(Object.keys(env).sort()).toEqual([...ALLOWED_FROM_PARENT].sort());
    for (const name of ALLOWED_FROM_PARENT) expect(env[name]).toBe(HOSTILE_PARENT[name]);
  });

  it("drops the app's credentials even when a caller passes them, in any letter case", () => {
    const names = [
      "WEBHOOK_SECRET",
      "webhook_secret",
      "Webhook_Secret",
      "PRIVATE_KEY",
      "private_key",
      "PRIVATE_KEY_PATH",
      "APP_ID",
      "GITHUB_TOKEN",
      "gh_token",
      "GITHUB_CLIENT_SECRET",
      "GITHUB_CLIENT_ID",
      "DATABASE_URL",
      "SLUICE_SERVER_CONFIG",
    ];
    const extra = Object.fromEntries(names.map((n) => [n, `value-of-${n}`]));
    const env = childEnv({ ...extra, TF_IN_AUTOMATION: "1" }, HOSTILE_PARENT);
    for (const n of names) {
      expect(isForbiddenEnvName(n), n).toBe(true);
      expect(env[n], n).toBeUndefined();
      expect(Object.values(env)).not.toContain(`value-of-${n}`);
    }
    // What callers legitimately add still goes through.
    expect(env.TF_IN_AUTOMATION).toBe("1");
  });

  it("skips undefined values and survives keys that are object-prototype names", () => {
    const extra = JSON.parse('{"__proto__": "x", "constructor": "y", "TF_WORKSPACE": "ws"}') as Record<string, string>;
    const env = childEnv({ ...extra, MAYBE: undefined }, HOSTILE_PARENT);
    expect("MAYBE" in env).toBe(false);
    expect(env.TF_WORKSPACE).toBe("ws");
    expect(Object.getPrototypeOf(env)).toBe(Object.prototype);
  });
});

describe("exec gives spawned processes only that environment", () => {
  const saved: Record<string, string | undefined> = {};
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it("a real child sees none of the app's hostile environment", async () => {
    for (const [k, v] of Object.entries(HOSTILE_PARENT)) {
      if (ALLOWED_FROM_PARENT.includes(k)) continue;
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    const r = await exec("env", [], { cwd: tmpdir(), env: { WEBHOOK_SECRET: "passed-by-caller", TF_IN_AUTOMATION: "1" } });
    expect(r.exitCode).toBe(0);
    const seen = Object.fromEntries(
      r.stdout
        .split("\n")
        .filter((l) => l.includes("="))
        .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
    );
    expect(seen.TF_IN_AUTOMATION).toBe("1");
    for (const [k, v] of Object.entries(HOSTILE_PARENT)) {
      if (ALLOWED_FROM_PARENT.includes(k)) continue;
      expect(seen[k], k).toBeUndefined();
      // Short values such as /tmp may well be part of PATH: those only as whole assignments.
      if (String(v).length >= 8) expect(r.stdout).not.toContain(String(v));
      else if (String(v).length >= 4) expect(r.stdout.split("\n").some((line) => line.endsWith(`=${String(v)}`))).toBe(false);
    }
    expect(r.stdout).not.toContain("passed-by-caller");
  });
});
