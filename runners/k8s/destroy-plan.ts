import type { PlanSummary } from "../../src/model/plan-summary.js";
import { decodeDeletions, encodeDeletions, type ObjectIdentity } from "./deletion-header.js";
import { objectAddress, objectKey } from "./k8s-object.js";
import { parseManifests } from "./parse-manifests.js";
import { summarizeObjectChanges } from "./summarize-object-changes.js";

/**
 * The first line of a Kubernetes destroy plan (a preview's teardown). What follows is the
 * identities of the objects it removes, as deletion lines; no object bodies, so no Secret value.
 * The plan file is hashed like any other, so the apply removes exactly what was shown.
 */
const DESTROY_MARKER = "# sluice:destroy";

export function encodeDestroyPlan(objects: readonly ObjectIdentity[]): string {
  return `${DESTROY_MARKER}\n${encodeDeletions(objects)}`;
}

/** The objects a saved destroy plan removes; undefined when the saved plan is not a destroy plan. */
export function readDestroyPlan(planText: string): ObjectIdentity[] | undefined {
  const newline = planText.indexOf("\n");
  const first = newline < 0 ? planText : planText.slice(0, newline);
  if (first !== DESTROY_MARKER) return undefined;
  return decodeDeletions(newline < 0 ? "" : planText.slice(newline + 1));
}

export interface K8sDestroyPlan {
  summary: PlanSummary;
  output: string;
  /** The plan file's content. */
  text: string;
}

/**
 * A preview's teardown as a plan (pure): every object of the render at the commit it was applied
 * from is deleted, then its namespace, which takes anything the render no longer names with it.
 * `render` is a problem when the project could not be rendered: the namespace still goes, so a
 * preview whose chart broke does not outlive its pull request.
 */
export function destroyPlanOf(render: { yaml: string } | { problem: string }, namespace: string, tool: string): K8sDestroyPlan {
  const parsed = "yaml" in render ? parseManifests(render.yaml, namespace) : undefined;
  const all = parsed?.objects ?? [];
  // Only what is inside the preview's namespace is ever deleted, whatever the render says now.
  const inside = all.filter((o) => o.namespace === namespace);
  const outside = all.filter((o) => o.namespace !== namespace && !(o.kind === "Namespace" && o.name === namespace));
  // generateName objects have no fixed name to delete; the namespace's deletion takes them.
  const objects = inside.filter((o) => !o.name.endsWith("*"));
  const identities: ObjectIdentity[] = [
    ...objects.map(({ apiVersion, kind, namespace: ns, name }) => ({ apiVersion, kind, namespace: ns, name })),
    { apiVersion: "v1", kind: "Namespace", namespace: "", name: namespace },
  ];
  // Deletions of named objects: their digests are of the identity (a destroy changes no values).
  const summary = summarizeObjectChanges(
    identities.map((o) => ({ key: objectKey(o), address: objectAddress(o), action: "delete", diff: objectKey(o), hiddenChanges: 0 })),
  );
  summary.sensitiveValues = parsed?.secretValues ?? [];
  const resources = summary.resources;
  // Helm removes what its release holds (`helm uninstall`), whatever the chart renders now.
  const how = tool === "helm" ? "`helm uninstall` removes what the release holds" : `${objects.length} objects are deleted`;
  const what =
    "problem" in render
      ? `The ${tool} project could not be rendered at the commit of its last sync (${render.problem}); what it created is removed with its namespace.`
      : `Objects: 0 to create, 0 to update, ${objects.length} to delete: ${how}, then namespace \`${namespace}\` goes with anything left in it.`;
  const list = resources.map((r) => `- ${r.address}`).join("\n");
  const kept = outside.length
    ? `\nLeft alone, because they are outside the preview's namespace: ${outside.map((o) => objectAddress(o)).join(", ")}.\n`
    : "";
  return { summary, output: `Preview teardown. ${what}\n\n${list}\n${kept}`, text: encodeDestroyPlan(identities) };
}
