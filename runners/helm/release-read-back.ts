import { diffObjects } from "../k8s/diff-objects.js";
import { type K8sObject, objectKey } from "../k8s/k8s-object.js";
import { parseManifests } from "../k8s/parse-manifests.js";
import { listSome } from "../../src/util/list-some.js";
import { dropRegenerated, hookAnnotation, inUpgrades, type PlannedRender } from "./upgrade-render.js";

/** Helm keeps a hook out of the release's manifest (`helm get manifest`): it is created and deleted by its events. */
const isHook = (o: K8sObject) => hookAnnotation(o) !== undefined;

/**
 * Why the release read back after an upgrade that exited 0 does not hold what was planned, or
 * undefined when it does. `live` is `helm get manifest` ("" when the release is gone): what helm
 * recorded as deployed, hooks and CRDs aside as they are in every upgrade's manifest, compared as
 * the upgrade's own render was (regenerated fields and the server's ignore rules left out).
 */
export function releaseDisagrees(live: string, planned: PlannedRender): string | undefined {
  const want = planned.saved.filter((o) => !isHook(o) && inUpgrades(o));
  if (live.trim() === "" && want.length > 0) return "the release is not in the cluster any more";
  const got = parseManifests(live, planned.namespace, planned.hashing);
  if (got.errors.length > 0) return "the release's manifest, read back, cannot be read";
  dropRegenerated(got.objects, planned.regenerated);
  const changes = diffObjects(want, got.objects, { ignore: planned.ignore }).changes;
  if (changes.length === 0) return undefined;
  // An object the plan does not have is named by its kind alone, as before the upgrade: its name
  // may be made of what a template read from the cluster.
  const kinds = new Map(got.objects.map((o) => [objectKey(o), o.kind]));
  const which = listSome(changes, 5, (c) =>
    c.action === "create"
      ? `holds a ${kinds.get(c.key)} the plan does not have`
      : `${c.action === "delete" ? "lacks" : "differs at"} ${c.address}`,
  );
  return `the release read back from the cluster is not what was planned (it ${which})`;
}
