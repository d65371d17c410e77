import type { Logger } from "pino";
import type { Probot } from "probot";
import { exec } from "../../runners/exec.js";
import { helmBinary, kubectlBinary } from "../../runners/helm/helm-binary.js";
import type { Sandbox } from "../../runners/sandbox/sandbox.js";
import { describeTools, findTools, toolProbes } from "../../runners/tool-inventory.js";
import type { EnvConfig } from "../config/env-config.js";
import type { ServerConfig } from "../config/server-config.js";
import type { Store } from "../store/store.js";
import { createGitHubAuthCheck } from "./github-auth-check.js";
import { createInstallationPermissionsCheck } from "./installation-permissions-check.js";
import type { ReadinessCheck } from "./readiness.js";

/**
 * What /readyz checks: the store, the sandbox, the config's unsupported keys, GitHub auth, the
 * installations' permissions and the tools (looked for once, now: a missing one is named at
 * start, not at the first pull request). The GitHub checks are returned to be started later.
 */
export function createReadinessChecks(deps: {
  store: Pick<Store, "ping">;
  sandbox: Sandbox;
  config: ServerConfig;
  probot: Probot;
  env: Pick<EnvConfig, "baseUrl" | "appId">;
  log: Logger;
}) {
  const { store, sandbox, config, probot, env, log } = deps;
  // Parts that can break while the process runs add a check here; /readyz answers 503 naming them.
  const readinessChecks: ReadinessCheck[] = [
    { name: "store", check: () => store.ping() },
    {
      name: "sandbox",
      check: async () => {
        const s = sandbox.status;
        if (s.mode === "off") return { ok: true, detail: "off: tool runs are not sandboxed" };
        return s.ok ? { ok: true } : { ok: false, reason: `bubblewrap cannot start, no tools run: ${s.reason}` };
      },
    },
  ];
  // Keys read and not done (Atlantis' repos.yaml): named at start, never dropped in silence.
  for (const u of config.unsupported) log.warn({ unsupported: u }, `server config: ${u}`);
  readinessChecks.push({
    name: "config",
    check: async () => ({
      ok: true,
      detail: config.unsupported.length ? `keys not supported, ignored: ${config.unsupported.join("; ")}` : "every key is supported",
    }),
  });
  const apiBase = env.baseUrl ?? "https://api.github.com";
  const githubAuth = createGitHubAuthCheck({
    getApp: async () => {
      const { data } = await (await probot.auth()).request("GET /app");
      if (!data) throw new Error("GET /app answered without a body");
      return { id: data.id, slug: data.slug, name: data.name, permissions: data.permissions };
    },
    apiBase,
    appId: env.appId,
    log,
  });
  readinessChecks.push(githubAuth.readiness);
  const permissionsCheck = createInstallationPermissionsCheck({
    listInstallations: async () => {
      const octokit = await probot.auth();
      const list = await octokit.paginate("GET /app/installations", { per_page: 100 });
      return list.map((i) => ({
        id: i.id,
        account: (i.account && "login" in i.account ? i.account.login : undefined) ?? String(i.target_id),
        permissions: i.permissions as Record<string, string | undefined>,
      }));
    },
    log,
  });
  readinessChecks.push(permissionsCheck.readiness);
  // Tools are looked for once at start: a missing one is named now, not at the first pull request.
  const tools = findTools(
    toolProbes({
      terraform: config.terraform_binary,
      tofu: config.tofu_binary,
      helm: helmBinary(config.helm_binary),
      kubectl: kubectlBinary(config.kubectl_binary),
      terragrunt: config.terragrunt_binary,
      conftest: config.policies?.conftest_binary,
    }),
    exec,
  ).then((found) => {
    const report = describeTools(found);
    log[report.degraded ? "warn" : "info"]({ tools: found, cannotServe: report.cannotServe }, report.message);
    return report;
  });
  readinessChecks.push({ name: "tools", check: async () => ({ ok: true, detail: (await tools).message }) });
  return { readinessChecks, githubAuth, permissionsCheck, toolsChecked: tools };
}
