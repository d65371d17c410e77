import type { PlanSummary } from "../../src/model/plan-summary.js";
import { diffObjects, type ObjectDiff } from "./diff-objects.js";
import type { SecretHashing } from "./hash-secret-values.js";
import { invalidIgnorePath } from "./ignore-paths.js";
import { type K8sObject, objectKey } from "./k8s-object.js";
import { parseManifests } from "./parse-manifests.js";
import { renderObjectChanges } from "./render-object-changes.js";
import { summarizeObjectChanges } from "./summarize-object-changes.js";

export interface RendersInput {
  /** Rendered manifests at base; undefined when the project does not exist there. */
  base: string | undefined;
  head: string;
  defaultNamespace: string;
  ignore: string[];
  /** Tool name for the text ("helm", "kustomize"). */
  tool: string;
  hashing: SecretHashing;
}

export type RendersPlan =
  | {
      ok: true;
      summary: PlanSummary;
      output: string;
      diff: ObjectDiff;
      /** Base objects with no head counterpart: what an apply must delete (for kubectl apply). */
      deleted: K8sObject[];
      head: K8sObject[];
    }
  | { ok: false; failedStep: string; message: string };

/**
 * The part of a Kubernetes plan that needs no process: parse both renders, diff, summarize, and
 * write the text. Every Secret value found on either side ends up in `summary.sensitiveValues`,
 * so the job redacts it from anything posted, even from a tool's error output.
 */
export function planFromRenders(input: RendersInput): RendersPlan {
  const invalid = invalidIgnorePath(input.ignore);
  if (invalid) return { ok: false, failedStep: "config", message: invalid };
  const head = parseManifests(input.head, input.defaultNamespace, input.hashing);
  const base = input.base === undefined ? undefined : parseManifests(input.base, input.defaultNamespace, input.hashing);
  const problems = [...(base?.errors ?? []).map((e) => `base: ${e}`), ...head.errors.map((e) => `head: ${e}`)];
  if (problems.length > 0) {
    return { ok: false, failedStep: "parse", message: `the ${input.tool} output is not a valid manifest stream:\n${problems.join("\n")}` };
  }
  const diff = diffObjects(base?.objects ?? [], head.objects, { ignore: input.ignore });
  const deletedKeys = new Set(diff.changes.filter((c) => c.action === "delete").map((c) => c.key));
  const summary = summarizeObjectChanges(diff.changes);
  summary.sensitiveValues = [...new Set([...(base?.secretValues ?? []), ...head.secretValues])];
  return {
    ok: true,
    summary,
    output: renderObjectChanges(diff, input.tool),
    diff,
    deleted: (base?.objects ?? []).filter((o) => deletedKeys.has(objectKey(o))),
    head: head.objects,
  };
}
