import type { RunnerKind } from "../src/model/project.js";
import { createHelmRunner } from "./helm/helm-runner.js";
import { createKustomizeRunner } from "./kustomize/kustomize-runner.js";
import type { Runner } from "./runner.js";
import { createTerraformRunner } from "./terraform/terraform-runner.js";

export interface RunnerSettings {
  terraformBinary?: string;
  tofuBinary?: string;
  helmBinary?: string;
  kubectlBinary?: string;
}

/** One line per tool. */
export function createRunners(settings: RunnerSettings = {}): Record<RunnerKind, Runner> {
  return {
    terraform: createTerraformRunner("terraform", settings.terraformBinary),
    opentofu: createTerraformRunner("opentofu", settings.tofuBinary),
    helm: createHelmRunner({ helmBinary: settings.helmBinary }),
    kustomize: createKustomizeRunner({ kubectlBinary: settings.kubectlBinary }),
  };
}
