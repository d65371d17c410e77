import type { RunnerKind } from "../src/model/project.js";
import type { Runner } from "./runner.js";
import { createTerraformRunner } from "./terraform/terraform-runner.js";

export interface RunnerSettings {
  terraformBinary?: string;
  tofuBinary?: string;
}

/** One line per tool. */
export function createRunners(settings: RunnerSettings = {}): Partial<Record<RunnerKind, Runner>> {
  return {
    terraform: createTerraformRunner("terraform", settings.terraformBinary),
    opentofu: createTerraformRunner("opentofu", settings.tofuBinary),
  };
}
