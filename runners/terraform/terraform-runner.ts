import { join } from "node:path";
import type { Runner } from "../runner.js";
import { readOutputs } from "./read-outputs.js";
import type { PluginCache } from "./plugin-cache.js";
import { terraformApply } from "./terraform-apply.js";
import { terraformBinary } from "./terraform-argv.js";
import { terraformPlan } from "./terraform-plan.js";
import { remoteBackendDigest } from "./backend-digest.js";
import { terraformState } from "./terraform-state.js";

export interface TerraformRunnerOptions {
  binary?: string;
  /** Shared provider cache; absent = every project downloads its own providers. */
  pluginCache?: PluginCache;
}

/** What the plan, apply and state runs of one runner share. */
export interface TerraformContext {
  /** The binary when a request names none. */
  defaultBin: string;
  pluginCache?: PluginCache;
}

/** The runner for Terraform and OpenTofu projects (the same CLI under two names). */
export function createTerraformRunner(kind: "terraform" | "opentofu", opts: TerraformRunnerOptions = {}): Runner {
  const ctx: TerraformContext = { defaultBin: terraformBinary(kind, opts.binary), pluginCache: opts.pluginCache };
  return {
    kind,
    state: (req, exec) => terraformState(req, exec, ctx),
    plan: (req, exec) => terraformPlan(req, exec, ctx),
    apply: (req, exec) => terraformApply(req, exec, ctx),
    // TF_DATA_DIR as terraformEnv sets it, in the plan's data dir.
    backendOf: (dataDir) => remoteBackendDigest(join(dataDir, ".terraform")),
    outputs: async (req, exec) =>
      readOutputs(
        req.binary ?? ctx.defaultBin,
        exec,
        req,
        ctx.pluginCache ? await ctx.pluginCache.envFor(join(req.checkoutDir, req.project.dir)) : {},
      ),
  };
}
