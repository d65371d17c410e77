import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { missingBinaryOf, missingToolMessage, reportMissingTools, toolOf } from "../../runners/missing-tool.js";
import type { Runner } from "../../runners/runner.js";
import { SpawnError, ToolMissingError } from "../../runners/spawn-error.js";
import { describeTools, findTools, toolProbes } from "../../runners/tool-inventory.js";
import { describeAuthFailure } from "../../src/app/github-auth-check.js";
import { storeOpenError, withOpenTimeout } from "../../src/app/store-open-error.js";
import { describeWebhookAddress, isPrivateHost } from "../../src/app/webhook-address.js";
import { loadRepoConfig } from "../../src/config/repo/load-repo-config.js";
import { ignoredSettings } from "../../src/config/ignored-settings.js";
import { EnvError, readEnvConfig } from "../../src/config/env-config.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import { describeJobFault } from "../../src/queue/describe-job-fault.js";
import { classifyGitHubFault } from "../../src/vcs/github-fault.js";
import { VcsError } from "../../src/vcs/vcs-client.js";

const repo = (text: string, file: "sluice" | "atlantis" = "sluice") => {
  const r = loadRepoConfig({ [file]: text });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r.config;
};

describe("ignoredSettings: what a repo wrote that the server does not let it set", () => {
  const server = parseServerConfig("apply_requirements: [approved]\n");
  it.each([
    [
      "apply_on: merge",
      "version: 1\napply_on: merge\n",
      ["`apply_on: merge` in .sluice.yaml is ignored", "allowed_overrides: [apply_on]", "the server's `apply_on: comment`"],
    ],
    ["automerge", "version: 1\nautomerge: true\n", ["`automerge: true`", "allowed_overrides: [automerge]"]],
    ["approvals", "version: 1\napprovals: 3\n", ["`approvals: 3`", "the server's `approvals: 1`"]],
    [
      "project requirements",
      "version: 1\nprojects:\n  - dir: net\n    apply_requirements: [undiverged]\n",
      ["`apply_requirements: [undiverged]` of project `net`", "allowed_overrides: [apply_requirements]"],
    ],
    ["atlantis automerge", "version: 3\nautomerge: true\nprojects:\n  - dir: net\n", ["`automerge: true` in atlantis.yaml is ignored"]],
  ])("%s is named", (_n, text, parts) => {
    const out = ignoredSettings(server, repo(text, text.startsWith("version: 3") ? "atlantis" : "sluice")).join("\n");
    for (const p of parts) expect(out).toContain(p);
  });

  it.each([
    ["the same value as the server's", "version: 1\napply_on: comment\napprovals: 1\nautomerge: false\n", server],
    ["a setting the server allows", "version: 1\napply_on: merge\n", parseServerConfig("allowed_overrides: [apply_on]\n")],
    [
      "defaults the file does not write",
      "version: 1\nprojects:\n  - dir: net\n",
      parseServerConfig("apply_on: merge\nautomerge: true\napprovals: 2\n"),
    ],
  ])("nothing for %s", (_n, text, s) => {
    expect(ignoredSettings(s, repo(text))).toEqual([]);
  });

  it("nothing without a config file", () => {
    expect(ignoredSettings(server, undefined)).toEqual([]);
  });
});

/** Octokit's RequestError as it arrives: an answer carries `response`; a failed fetch is "500" with a cause. */
const requestError = (status: number, message: string) =>
  Object.assign(new Error(message), { name: "HttpError", status, response: { status, url: "", headers: {}, data: {} } });
const fetchFailed = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:9`), {
    name: "HttpError",
    status: 500,
    cause: Object.assign(new TypeError("fetch failed"), { cause: Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code }) }),
  });

describe("GitHub faults: this side or GitHub's", () => {
  it.each([
    ["a refused connection", fetchFailed("ECONNREFUSED"), "unreachable"],
    ["an unknown host", fetchFailed("ENOTFOUND"), "unreachable"],
    ["a bad certificate", fetchFailed("UNABLE_TO_VERIFY_LEAF_SIGNATURE"), "unreachable"],
    ["401 from GitHub", requestError(401, "A JSON web token could not be decoded"), "rejected"],
    ["502 from GitHub", requestError(502, "Bad Gateway"), "github"],
    [
      "the adapter's error for a refused connection",
      new VcsError("GET /x: GitHub answered 500 (connect ECONNREFUSED 127.0.0.1:9)", 500, true),
      "unreachable",
    ],
    ["the adapter's error for a real 500", new VcsError("GET /x: GitHub answered 500 (boom)", 500, true), "github"],
    ["something else", new Error("disk full"), "other"],
  ])("%s", (_n, e, kind) => {
    expect(classifyGitHubFault(e).kind).toBe(kind);
  });

  it("the auth check names the cause without blaming GitHub for a local fault", () => {
    expect(describeAuthFailure(fetchFailed("ECONNREFUSED"), "http://127.0.0.1:9/api/v3", "7")).toMatch(
      /^could not reach GitHub at http:\/\/127\.0\.0\.1:9\/api\/v3 .*not an answer from GitHub$/,
    );
    expect(describeAuthFailure(requestError(401, "Integration not found"), "https://api.github.com", "7")).toContain(
      "GitHub rejected the app's credentials (401: Integration not found); check that APP_ID (7)",
    );
  });

  it("a job's log line", () => {
    const local = describeJobFault(new VcsError("create comment: GitHub answered 500 (connect ECONNREFUSED 127.0.0.1:9)", 500, true));
    expect(local).toEqual({
      cause: "network",
      message:
        "GitHub could not be reached from this server (create comment: connect ECONNREFUSED 127.0.0.1:9): a network, DNS, proxy or GHE_HOST problem on this side, not an answer from GitHub",
    });
    expect(describeJobFault(new VcsError("create comment: GitHub answered 502 (Bad Gateway)", 502, true)).cause).toBe("github");
    // A database that refuses is not GitHub's problem, nor reported as one.
    expect(describeJobFault(Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }))).toEqual({
      message: "connect ECONNREFUSED 127.0.0.1:5432",
    });
  });
});

describe("where GitHub sends webhooks", () => {
  it.each([
    ["127.0.0.1", true],
    ["10.0.0.8", true],
    ["172.20.1.1", true],
    ["::1", true],
    ["[fd00::1]", true],
    ["sluice", true],
    ["ci.local", true],
    ["140.82.112.3", false],
    ["sluice.example.com", false],
  ])("%s private: %s", (host, yes) => {
    expect(isPrivateHost(host)).toBe(yes);
  });

  const listenUrl = "http://127.0.0.1:3000";
  it.each([
    [{ hookUrl: "http://127.0.0.1:3000/", listenUrl }, "warn", "loopback or private address"],
    [{ hookUrl: "", listenUrl }, "warn", "no webhook URL"],
    [{ hookUrl: "https://sluice.example.com/", listenUrl }, "warn", "only at /api/github/webhooks"],
    [
      { hookUrl: "https://sluice.example.com/api/github/webhooks", publicUrl: "https://other.example.com", listenUrl },
      "warn",
      "not this server's SLUICE_PUBLIC_URL",
    ],
    [
      { hookUrl: "https://sluice.example.com/api/github/webhooks", publicUrl: "https://sluice.example.com", listenUrl },
      "info",
      "a public address",
    ],
    [{ hookUrl: "https://smee.io/abc", proxyUrl: "https://smee.io/abc", listenUrl }, "info", "relays them"],
    [
      { hookUrl: "https://smee.io/old", proxyUrl: "https://smee.io/abc", listenUrl },
      "warn",
      "make the app's webhook URL https://smee.io/abc",
    ],
    [{ hookUrl: "https://smee.io/abc", listenUrl }, "warn", "set WEBHOOK_PROXY_URL=https://smee.io/abc"],
    [{ publicUrl: "https://sluice.example.com", listenUrl }, "info", "GitHub's setting could not be read"],
    [{ listenUrl }, "warn", "this server's listen address"],
  ] as const)("%o → %s", (input, level, text) => {
    const r = describeWebhookAddress(input);
    expect(r.level).toBe(level);
    expect(r.message).toContain(text);
    expect(r.message.startsWith("webhooks: ")).toBe(true);
  });
});

describe("configuration read at start", () => {
  const pem = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs1", format: "pem" }).toString();
  const env = { APP_ID: "1", WEBHOOK_SECRET: "s", PRIVATE_KEY: pem };
  it("accepts the key as PEM, base64 or with escaped line breaks", () => {
    expect(readEnvConfig(env, () => "").privateKey).toBe(pem);
    expect(readEnvConfig({ ...env, PRIVATE_KEY: Buffer.from(pem).toString("base64") }, () => "").privateKey).toBe(pem);
    expect(readEnvConfig({ ...env, PRIVATE_KEY: pem.replaceAll("\n", "\\n") }, () => "").privateKey).toBe(pem);
  });
  it.each([
    [{ LOG_LEVEL: "loud" }, "LOG_LEVEL"],
    [{ PRIVATE_KEY: "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----" }, "PRIVATE_KEY: not a valid PEM private key"],
    [{ DATABASE_URL: "postgres://" }, "DATABASE_URL"],
    [{ DATABASE_URL: "redis://x:6379" }, 'DATABASE_URL: unsupported scheme "redis:"'],
    [{ WEBHOOK_PROXY_URL: "smee.io/abc" }, "WEBHOOK_PROXY_URL"],
  ])("%o is an EnvError naming the variable", (extra, text) => {
    const all = { ...env, ...extra } as Record<string, string> as NodeJS.ProcessEnv;
    expect(() => readEnvConfig(all, () => "")).toThrow(EnvError);
    expect(() => readEnvConfig(all, () => "")).toThrow(text);
  });
  it("a database that cannot be reached is a configuration error, without the password", () => {
    const e = storeOpenError(
      Object.assign(new Error("connect ECONNREFUSED 10.0.0.5:5432"), { code: "ECONNREFUSED" }),
      "postgres://u:s3cret@10.0.0.5/sluice",
    );
    expect(e).toBeInstanceOf(EnvError);
    expect(String((e as Error).message)).toBe(
      "DATABASE_URL: cannot use the PostgreSQL database at 10.0.0.5:5432/sluice (ECONNREFUSED: connect ECONNREFUSED 10.0.0.5:5432)",
    );
    const other = new Error("syntax error");
    expect(storeOpenError(other, "postgres://u:p@h/db")).toBe(other);
  });
  it("a database that never answers is given up on at start, naming the variable", async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withOpenTimeout(never, "postgres://u:s3cret@10.9.9.9:6543/db", 20)).rejects.toThrow(
      "DATABASE_URL: no answer from the PostgreSQL database at 10.9.9.9:6543/db within 0 s",
    );
    await expect(withOpenTimeout(Promise.resolve(7), "postgres://h/db", 20)).resolves.toBe(7);
  });
});

describe("tools found at start", () => {
  const probes = toolProbes({ terraform: "terraform", tofu: "tofu", helm: "/opt/helm", kubectl: "kubectl" });
  const answers: Record<string, { stdout: string; exitCode: number } | "ENOENT"> = {
    terraform: { stdout: '{"terraform_version":"1.11.4","platform":"linux_amd64"}', exitCode: 0 },
    tofu: "ENOENT",
    "/opt/helm": { stdout: "v4.0.1", exitCode: 0 },
    kubectl: { stdout: '{"clientVersion":{"gitVersion":"v1.32.3"}}', exitCode: 0 },
    bwrap: { stdout: "bubblewrap 0.8.0\n", exitCode: 0 },
  };
  const fakeExec = async (file: string) => {
    const a = answers[file];
    if (!a || a === "ENOENT") throw new ToolMissingError(file, `spawn ${file} ENOENT`);
    return { ...a, stderr: "", timedOut: false, durationMs: 1 };
  };

  it("lists versions and the project kinds it cannot serve", async () => {
    const found = await findTools(probes, fakeExec);
    expect(found.map((t) => (t.found ? `${t.binary} ${t.version}` : `${t.binary}: ${t.reason}`))).toEqual([
      "terraform 1.11.4",
      "tofu: not found on PATH",
      "/opt/helm v4.0.1",
      "kubectl v1.32.3",
      "bwrap 0.8.0",
    ]);
    const d = describeTools(found);
    expect(d.cannotServe).toEqual(["opentofu"]);
    expect(d.message).toBe(
      "tools: terraform 1.11.4, /opt/helm v4.0.1, kubectl v1.32.3, bwrap 0.8.0; missing: tofu (not found on PATH); cannot serve opentofu projects (their plans will say which binary to install)",
    );
  });

  it("probes conftest only when policy checks are configured, and says what a missing one stops", async () => {
    expect(probes.map((p) => p.binary)).not.toContain("conftest");
    const withPolicies = toolProbes({ terraform: "terraform", tofu: "tofu", helm: "/opt/helm", kubectl: "kubectl", conftest: "conftest" });
    const missing = describeTools(await findTools(withPolicies, fakeExec));
    expect(missing.degraded).toBe(true);
    expect(missing.message).toContain("missing: tofu (not found on PATH), conftest (not found on PATH)");
    expect(missing.message).toContain("policy checks cannot run until `conftest` is installed");
    answers.conftest = { stdout: "Conftest: 0.59.0\nOPA: 1.3.0\n", exitCode: 0 };
    try {
      const found = await findTools(withPolicies, fakeExec);
      expect(found.find((t) => t.binary === "conftest")).toMatchObject({ found: true, version: "0.59.0" });
      expect(describeTools(found).message).not.toContain("policy checks cannot run");
    } finally {
      delete answers.conftest;
    }
  });

  it("a plan whose binary is missing says which one and how to install it", async () => {
    const throwing: Runner = {
      kind: "helm",
      plan: async () => {
        throw new ToolMissingError("/opt/helm", "spawn /opt/helm ENOENT");
      },
      apply: async () => {
        throw new Error("disk full");
      },
    };
    const runners = reportMissingTools({
      terraform: throwing,
      opentofu: throwing,
      helm: throwing,
      kustomize: throwing,
      terragrunt: throwing,
    });
    const outcome = await runners.helm.plan({} as never, fakeExec);
    expect(outcome).toMatchObject({ ok: false, failedStep: "tool" });
    expect(outcome.ok ? "" : outcome.message).toBe(
      "`/opt/helm` is not installed on this Sluice server (not found on its PATH), so helm projects cannot run here. Install Helm (`npm run setup:helm` in Sluice's checkout, or see helm.sh/docs/intro/install), or point the server setting `helm_binary` at it, then comment `/plan` again.",
    );
    // Other faults stay faults.
    await expect(runners.helm.apply({} as never, fakeExec)).rejects.toThrow("disk full");
  });

  it.each([
    ["terraform1.9", "terraform"],
    ["/usr/local/bin/tofu", "tofu"],
    ["make", undefined],
  ])("toolOf(%s) = %s", (binary, tool) => {
    expect(toolOf(binary)).toBe(tool);
  });

  it("only spawn failures for a missing file count as a missing tool", () => {
    expect(missingBinaryOf(new ToolMissingError("tofu", "spawn tofu ENOENT"))).toBe("tofu");
    expect(missingBinaryOf(new SpawnError("tofu", "spawn tofu EACCES", "EACCES"))).toBeUndefined();
    // Text is no proof: an error (or output) that only reads like a missing tool is another fault.
    expect(missingBinaryOf(new Error("could not start tofu: spawn tofu ENOENT"))).toBeUndefined();
    expect(missingBinaryOf("could not start tofu: spawn tofu ENOENT")).toBeUndefined();
    expect(missingToolMessage("make")).toContain("`make` is not installed");
  });
});
