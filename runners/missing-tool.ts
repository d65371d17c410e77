import { basename } from "node:path";
import type { RunnerKind } from "../src/model/project.js";
import type { ApplyOutcome, PlanOutcome, Runner } from "./runner.js";
import { ToolMissingError } from "./spawn-error.js";

/** How to get each tool, and the server setting that points Sluice at another binary. */
const TOOLS: Record<string, { what: string; install: string; setting: string }> = {
  terraform: { what: "Terraform", install: "see developer.hashicorp.com/terraform/install", setting: "terraform_binary" },
  tofu: { what: "OpenTofu", install: "see opentofu.org/docs/intro/install", setting: "tofu_binary" },
  helm: { what: "Helm", install: "`npm run setup:helm` in Sluice's checkout, or see helm.sh/docs/intro/install", setting: "helm_binary" },
  kubectl: {
    what: "kubectl (it includes `kubectl kustomize`)",
    install: "`npm run setup` in Sluice's checkout (kubectl into `.tools/bin`), or see kubernetes.io/docs/tasks/tools",
    setting: "kubectl_binary",
  },
  terragrunt: { what: "Terragrunt", install: "see terragrunt.gruntwork.io/docs/getting-started/install", setting: "terragrunt_binary" },
  bwrap: { what: "bubblewrap", install: "`apt-get install bubblewrap`", setting: "sandbox" },
};

/** The tool family of a binary name (`terraform1.9` → terraform). */
export function toolOf(binary: string): string | undefined {
  const name = basename(binary);
  return Object.keys(TOOLS).find((t) => name === t || name.startsWith(t));
}

/** What to tell a user whose project needs a binary this server does not have. */
export function missingToolMessage(binary: string, kind?: RunnerKind): string {
  const tool = toolOf(binary);
  const info = tool ? TOOLS[tool] : undefined;
  const projects = kind ? `, so ${kind} projects cannot run here` : "";
  if (!info)
    return `\`${binary}\` is not installed on this Sluice server (not found on its PATH)${projects}. Install it on the server, then comment \`/plan\` again.`;
  return `\`${binary}\` is not installed on this Sluice server (not found on its PATH)${projects}. Install ${info.what} (${info.install}), or point the server setting \`${info.setting}\` at it, then comment \`/plan\` again.`;
}

/** The binary a spawn failure names, when the failure is that the binary is not there. */
export function missingBinaryOf(e: unknown): string | undefined {
  return e instanceof ToolMissingError ? e.binary : undefined;
}

/**
 * A runner whose tool is not installed reports that as the project's result, naming the binary
 * and how to install it, instead of failing the whole job with a spawn error.
 */
export function reportMissingTools(runners: Record<RunnerKind, Runner>): Record<RunnerKind, Runner> {
  const wrap = (runner: Runner): Runner => ({
    ...runner,
    async plan(req, exec): Promise<PlanOutcome> {
      try {
        return await runner.plan(req, exec);
      } catch (e) {
        const binary = missingBinaryOf(e);
        if (!binary) throw e;
        return { ok: false, failedStep: "tool", message: missingToolMessage(binary, runner.kind), output: "", durationMs: 0 };
      }
    },
    async apply(req, exec): Promise<ApplyOutcome> {
      try {
        return await runner.apply(req, exec);
      } catch (e) {
        const binary = missingBinaryOf(e);
        if (!binary) throw e;
        return { ok: false, message: missingToolMessage(binary, runner.kind), output: "", durationMs: 0, sensitiveValues: [] };
      }
    },
  });
  return Object.fromEntries(Object.entries(runners).map(([k, r]) => [k, wrap(r)])) as Record<RunnerKind, Runner>;
}
