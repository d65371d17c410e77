import { LineCounter, parseAllDocuments } from "yaml";
import { type SecretHashing, hashSecretValues } from "./hash-secret-values.js";
import { apiGroup, CLUSTER_SCOPED_KINDS, type K8sObject, objectKey } from "./k8s-object.js";

export interface ParsedManifests {
  objects: K8sObject[];
  /** One line each, with the document's line number; never quotes the document (it may hold secrets). */
  errors: string[];
  /** Secret values found (raw and decoded), already replaced by markers in `objects`: for redaction only. */
  secretValues: string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * Reads a rendered multi-document manifest stream (helm template, kustomize build). Empty documents
 * are skipped, `List` kinds are flattened into their items, and Secret values are hashed here, at
 * the first step, so nothing downstream can leak them. A document that is not an object is an error;
 * a later object with the key of an earlier one replaces it (as a sequential apply would) and is
 * reported.
 */
export function parseManifests(yamlText: string, defaultNamespace: string, hashing: SecretHashing = {}): ParsedManifests {
  const lineCounter = new LineCounter();
  // Merge keys (`<<: *anchor`) as helm's and kubectl's YAML parsers apply them: a namespace set
  // through one must be seen where they would see it.
  const docs = parseAllDocuments(yamlText, { lineCounter, prettyErrors: false, merge: true });
  const errors: string[] = [];
  const secretValues: string[] = [];
  const byKey = new Map<string, K8sObject>();
  if (!Array.isArray(docs)) return { objects: [], errors, secretValues };

  for (const doc of docs) {
    // The content's line, not the `---` marker's: that is where an editor should jump.
    const line = lineCounter.linePos(doc.contents?.range[0] ?? doc.range[0]).line;
    const where = `document at line ${line}`;
    if (doc.errors.length > 0) {
      const first = doc.errors[0];
      const at = first ? lineCounter.linePos(first.pos[0]).line : line;
      errors.push(`${where}: invalid YAML at line ${at}: ${first?.message.split("\n")[0] ?? "unknown error"}`);
      continue;
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      errors.push(`${where}: ${e instanceof Error ? e.message.split("\n")[0] : "cannot be read"}`);
      continue;
    }
    if (value === null || value === undefined) continue;
    if (!isRecord(value)) {
      errors.push(`${where}: expected a Kubernetes object, found a ${Array.isArray(value) ? "list" : typeof value}`);
      continue;
    }
    const items = isList(value) ? (value.items as unknown[]) : [value];
    for (const [i, item] of items.entries()) {
      const label = items.length > 1 || isList(value) ? `${where}, item ${i}` : where;
      if (item === null || item === undefined) continue;
      const object = toObject(item, defaultNamespace, hashing, secretValues);
      if (typeof object === "string") {
        errors.push(`${label}: ${object}`);
        continue;
      }
      const source = sourceOf(doc.contents?.commentBefore);
      if (source) object.source = source;
      if (isList(value)) object.listItem = true;
      const key = objectKey(object);
      if (byKey.has(key)) errors.push(`${label}: duplicate object ${key}; the last one wins`);
      byKey.set(key, object);
    }
  }
  return { objects: [...byKey.values()], errors, secretValues };
}

/** The template named by helm's `# Source: chart/templates/x.yaml` line, when the comment starts with one. */
function sourceOf(comment: string | null | undefined): string | undefined {
  return comment?.split("\n")[0]?.match(/^ ?Source: ([\w./@-]+)$/)?.[1];
}

function isList(value: Record<string, unknown>): boolean {
  return typeof value.kind === "string" && value.kind.endsWith("List") && Array.isArray(value.items);
}

function toObject(item: unknown, defaultNamespace: string, hashing: SecretHashing, secretValues: string[]): K8sObject | string {
  if (!isRecord(item)) return "expected a Kubernetes object";
  const apiVersion = str(item.apiVersion);
  const kind = str(item.kind);
  const metadata = isRecord(item.metadata) ? item.metadata : {};
  // generateName objects (hook Jobs) get a fresh name per install; the prefix is their stable identity.
  const generated = str(metadata.generateName);
  const name = str(metadata.name) ?? (generated ? `${generated}*` : undefined);
  if (!apiVersion || !kind) return "missing apiVersion or kind";
  if (!name) return `${kind} without metadata.name`;
  if (kind === "Secret" && apiGroup(apiVersion) === "") secretValues.push(...hashSecretValues(item, hashing));
  const namespace = CLUSTER_SCOPED_KINDS.has(kind) ? "" : (str(metadata.namespace) ?? defaultNamespace);
  return { apiVersion, kind, namespace, name, body: item };
}
