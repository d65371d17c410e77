import { CLUSTER_SCOPED_KINDS } from "../../runners/k8s/k8s-object.js";

const ANY = Symbol("any object's kind or name");

/**
 * Whether a `protect` pattern can match an object inside Kubernetes namespace `namespace`
 * (`KIND/NAMESPACE/NAME` for some namespaced kind and some name): deleting a Namespace deletes
 * everything in it, objects no render holds (a StatefulSet's claims) included, so the plan's one
 * `Namespace/NAME` delete destroys whatever such a pattern protects there. `*` is any run of
 * characters, as in `addressMatches`; a pattern naming a cluster-scoped kind matches nothing inside.
 */
export function protectsInNamespace(pattern: string, namespace: string): boolean {
  const kind = pattern.split("/")[0] ?? "";
  if (!kind.includes("*") && CLUSTER_SCOPED_KINDS.has(kind)) return false;
  // The address with its kind and name left open: ANY stands for any run of characters but `/`.
  const template: (string | typeof ANY)[] = [ANY, "/", ...namespace, "/", ANY];
  const memo = new Map<number, boolean>();
  const meets = (i: number, j: number): boolean => {
    const at = i * (template.length + 1) + j;
    const known = memo.get(at);
    if (known !== undefined) return known;
    const p = pattern[i];
    const t = template[j];
    let ok: boolean;
    if (p === undefined) ok = template.slice(j).every((x) => x === ANY);
    else if (p === "*") ok = meets(i + 1, j) || (t !== undefined && meets(i, j + 1));
    else if (t === undefined) ok = false;
    else if (t === ANY) ok = (p !== "/" && meets(i + 1, j)) || meets(i, j + 1);
    else ok = t === p && meets(i + 1, j + 1);
    memo.set(at, ok);
    return ok;
  };
  return meets(0, 0);
}
