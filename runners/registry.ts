import type { RunnerKind } from "../src/model/project.js";
import { helmDetector } from "./helm/helm-detector.js";
import { createHelmRunner } from "./helm/helm-runner.js";
import { kustomizeDetector } from "./kustomize/kustomize-detector.js";
import { createKustomizeRunner } from "./kustomize/kustomize-runner.js";
import type { ProjectDetector, Runner } from "./runner.js";
import { createPluginCache } from "./terraform/plugin-cache.js";
import { terraformDetector } from "./terraform/terraform-detector.js";
import { createTerraformRunner } from "./terraform/terraform-runner.js";
import { terragruntDetector } from "./terragrunt/terragrunt-detector.js";
import { createTerragruntRunner } from "./terragrunt/terragrunt-runner.js";

export interface RunnerSettings {
  /** Shared provider cache dir for terraform and tofu; absent = none. */
  pluginCacheDir?: string;
  terraformBinary?: string;
  tofuBinary?: string;
  helmBinary?: string;
  kubectlBinary?: string;
  terragruntBinary?: string;
}

/** One line per tool. */
export function createRunners(settings: RunnerSettings = {}): Record<RunnerKind, Runner> {
  const pluginCache = settings.pluginCacheDir ? createPluginCache(settings.pluginCacheDir) : undefined;
  return {
    terraform: createTerraformRunner("terraform", { binary: settings.terraformBinary, pluginCache }),
    opentofu: createTerraformRunner("opentofu", { binary: settings.tofuBinary, pluginCache }),
    helm: createHelmRunner({ helmBinary: settings.helmBinary, kubectlBinary: settings.kubectlBinary }),
    kustomize: createKustomizeRunner({ kubectlBinary: settings.kubectlBinary }),
    terragrunt: createTerragruntRunner({ binary: settings.terragruntBinary, terraformBinary: settings.terraformBinary }),
  };
}

/**
 * How autodiscovery finds each tool's projects, one line per tool (OpenTofu projects are found as
 * Terraform ones; a config or `runner:` says which binary runs them).
 */
export const PROJECT_DETECTORS: readonly ProjectDetector[] = [terraformDetector, helmDetector, kustomizeDetector, terragruntDetector];
