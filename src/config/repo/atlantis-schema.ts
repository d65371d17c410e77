import { z } from "zod";

// The first stage of atlantis.yaml (version 3), read as Atlantis reads it: every object is loose,
// because keys Sluice does not know become warnings (normalize-atlantis-config.ts) rather than
// errors, and string fields take any scalar, as Go's YAML decoder does (`workspace: 2024`).
// Steps stay `unknown` here: their many shapes are checked one by one with precise messages.

const scalarText = z.union([z.string(), z.number(), z.boolean()], { error: "must be a string" });
const textList = z.array(scalarText).nullish();

const stage = z.looseObject({ steps: z.array(z.unknown()).nullish() });

export const atlantisWorkflowSchema = z.looseObject({ plan: stage.nullish(), apply: stage.nullish() });

const project = z.looseObject({
  name: scalarText.nullish(),
  dir: scalarText,
  workspace: scalarText.nullish(),
  terraform_version: scalarText.nullish(),
  terraform_distribution: z.enum(["terraform", "opentofu"]).nullish(),
  autoplan: z.looseObject({ enabled: z.boolean().nullish(), when_modified: textList }).nullish(),
  apply_requirements: textList,
  depends_on: textList,
  execution_order_group: z.number().int().nullish(),
  workflow: scalarText.nullish(),
  branch: scalarText.nullish(),
  inputs_from: z.record(z.string(), z.string()).nullish(),
});

export const atlantisConfigSchema = z.looseObject({
  version: z.literal(3),
  projects: z.array(project).nullish(),
  workflows: z.record(z.string(), atlantisWorkflowSchema.nullable()).nullish(),
  automerge: z.boolean().nullish(),
  parallel_plan: z.boolean().nullish(),
  parallel_apply: z.boolean().nullish(),
  abort_on_execution_order_fail: z.boolean().nullish(),
  autodiscover: z.looseObject({ mode: z.enum(["auto", "enabled", "disabled"]).nullish(), ignore_paths: textList }).nullish(),
});

export type AtlantisConfigInput = z.output<typeof atlantisConfigSchema>;
export type AtlantisProjectInput = z.output<typeof project>;
export type AtlantisWorkflowInput = z.output<typeof atlantisWorkflowSchema>;
