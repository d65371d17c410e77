import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { writeNewFile } from "../../src/util/write-new-file.js";
import type { KubectlTarget } from "./kustomize-argv.js";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether an object names a namespace other than `namespace` (one naming none, or that one, goes with `--namespace`). */
const namesOther = (item: unknown, namespace: string): boolean => {
  const metadata = isRecord(item) ? item.metadata : undefined;
  return isRecord(metadata) && typeof metadata.namespace === "string" && metadata.namespace !== "" && metadata.namespace !== namespace;
};

/**
 * A manifest stream's documents in two groups, each as it was written: `unnamed`, whose objects
 * name no namespace (the plan put them in the project's `namespace`) or name that one, and
 * `named`, whose objects name another. kubectl takes a default namespace for objects that name
 * none only from `--namespace`, and with that flag refuses every object naming another one, so
 * the two go in two calls. A `List` whose items do both cannot be split: refused.
 */
export function splitByNamespace(
  text: string,
  namespace: string,
): { ok: true; unnamed: string; named: string } | { ok: false; message: string } {
  const docs = parseAllDocuments(text, { merge: true });
  if (!Array.isArray(docs)) return { ok: true, unnamed: "", named: "" };
  const unnamed: string[] = [];
  const named: string[] = [];
  for (const [i, doc] of docs.entries()) {
    const next = docs[i + 1];
    const source = text.slice(i === 0 ? 0 : doc.range[0], next ? next.range[0] : text.length);
    const value: unknown = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) continue;
    const items = isRecord(value) && String(value.kind ?? "").endsWith("List") && Array.isArray(value.items) ? value.items : [value];
    const naming = items.filter((item) => namesOther(item, namespace)).length;
    if (naming > 0 && naming < items.length) {
      return {
        ok: false,
        message: `a ${String((value as { kind?: unknown }).kind)} in the render holds objects in namespace \`${namespace}\` (or naming none) and objects naming another; kubectl cannot apply it to the namespaces the plan shows: give each item its namespace`,
      };
    }
    const chunk = source.startsWith("---") ? source : `---\n${source}`;
    (naming > 0 ? named : unnamed).push(chunk.endsWith("\n") ? chunk : `${chunk}\n`);
  }
  return { ok: true, unnamed: unnamed.join(""), named: named.join("") };
}

/** One kubectl call's file and target (no namespace: its objects name theirs). */
export interface KubectlPass {
  file: string;
  target: KubectlTarget;
}

/**
 * The calls that send `file` (its text `text`) to the namespaces the plan shows: one with
 * `--namespace` for objects naming none, one without for objects naming theirs. A file that holds
 * only one kind is sent whole in one call; otherwise each group is written next to it as
 * `<name>-unnamed.yaml` and `<name>-named.yaml`.
 */
export async function namespacePasses(
  text: string,
  file: string,
  target: KubectlTarget & { namespace: string },
  dir: string,
  name: string,
): Promise<{ ok: true; passes: KubectlPass[] } | { ok: false; message: string }> {
  const split = splitByNamespace(text, target.namespace);
  if (!split.ok) return split;
  const own = { kubeconfig: target.kubeconfig };
  if (split.named === "") return { ok: true, passes: [{ file, target }] };
  if (split.unnamed === "") return { ok: true, passes: [{ file, target: own }] };
  const unnamedFile = join(dir, `${name}-unnamed.yaml`);
  const namedFile = join(dir, `${name}-named.yaml`);
  await writeNewFile(unnamedFile, split.unnamed);
  await writeNewFile(namedFile, split.named);
  // Objects naming none first: the Namespaces and CRDs the others need are among them.
  return {
    ok: true,
    passes: [
      { file: unnamedFile, target },
      { file: namedFile, target: own },
    ],
  };
}
