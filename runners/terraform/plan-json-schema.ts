import { z } from "zod";

// Only the fields the summary reads are declared, and those strictly; everything else passes
// through untouched, because every Terraform release adds fields and an unknown one must never
// make a plan unreadable.

/** before/after with their sensitivity marks: the shape shared by resource and output changes. */
const markedChangeSchema = z.looseObject({
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  before_sensitive: z.unknown().optional(),
  after_sensitive: z.unknown().optional(),
});

const changeSchema = z.looseObject({
  ...markedChangeSchema.shape,
  actions: z.array(z.string()),
  // {"id": …} or {"identity": …} (1.12+); its presence is what matters.
  importing: z.looseObject({}).nullish(),
});

const resourceChangeSchema = z.looseObject({
  address: z.string(),
  previous_address: z.string().nullish(),
  mode: z.string().nullish(),
  deposed: z.string().nullish(),
  action_reason: z.string().nullish(),
  change: changeSchema,
});

const valuesResourceSchema = z.looseObject({
  values: z.unknown().optional(),
  sensitive_values: z.unknown().optional(),
});

interface ValuesModule {
  resources?: z.infer<typeof valuesResourceSchema>[] | null | undefined;
  child_modules?: ValuesModule[] | null | undefined;
}

const valuesModuleSchema: z.ZodType<ValuesModule> = z.looseObject({
  resources: z.array(valuesResourceSchema).nullish(),
  get child_modules() {
    return z.array(valuesModuleSchema).nullish();
  },
});

/** The "values representation" used by planned_values and prior_state.values. */
const valuesSchema = z.looseObject({
  outputs: z.record(z.string(), z.looseObject({ sensitive: z.boolean().nullish(), value: z.unknown().optional() })).nullish(),
  root_module: valuesModuleSchema.nullish(),
});

const sensitiveFlagSchema = z.looseObject({ sensitive: z.boolean().nullish() });

export const planJsonSchema = z.looseObject({
  format_version: z.string(),
  terraform_version: z.string().nullish(),
  variables: z.record(z.string(), z.looseObject({ value: z.unknown().optional() })).nullish(),
  planned_values: valuesSchema.nullish(),
  prior_state: z.looseObject({ values: valuesSchema.nullish() }).nullish(),
  resource_changes: z.array(resourceChangeSchema).nullish(),
  resource_drift: z.array(z.looseObject({ change: markedChangeSchema })).nullish(),
  deferred_changes: z.array(z.looseObject({ resource_change: z.looseObject({ change: markedChangeSchema }).nullish() })).nullish(),
  output_changes: z.record(z.string(), changeSchema.omit({ importing: true })).nullish(),
  action_invocations: z
    .array(
      z.looseObject({
        address: z.string().nullish(),
        type: z.string().nullish(),
        config_values: z.unknown().optional(),
        config_sensitive: z.unknown().optional(),
      }),
    )
    .nullish(),
  configuration: z
    .looseObject({
      root_module: z
        .looseObject({
          variables: z.record(z.string(), sensitiveFlagSchema).nullish(),
          outputs: z.record(z.string(), sensitiveFlagSchema).nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

export type PlanJson = z.infer<typeof planJsonSchema>;
export type PlanValues = z.infer<typeof valuesSchema>;
export type { ValuesModule };
