import { canonicalYaml } from "./canonical-yaml.js";
import { differingPaths, formatPath } from "./differing-paths.js";
import { type SecretHashing, secretMarker } from "./hash-secret-values.js";
import type { ConcretePath } from "./ignore-paths.js";
import { type K8sObject, objectAddress, objectKey } from "./k8s-object.js";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Hides what a template derives from server-held secrets. `canary` is the same render with every
 * secret replaced by a random value: a field that differs from `real` depends on a secret (a
 * checksum annotation, a DSN, base64 of a concatenation) and is replaced, in place, by the plan's
 * keyed digest of its value, as Secret values are. Equal values give equal digests, so base and
 * head still compare, and without the key nobody can check a guess against them. An object that
 * exists in one render only keeps its identity and nothing else. Returns one line per field;
 * `into` collects the fields by object key, so other views of the same objects (the live diff)
 * can be masked alike with `maskPaths`.
 */
export function maskSecretDerived(
  real: K8sObject[],
  canary: readonly K8sObject[],
  hashing: SecretHashing,
  into?: Map<string, ConcretePath[]>,
): string[] {
  const paths = differingPaths(real, canary);
  const notes: string[] = [];
  for (const o of real) {
    const found = paths.get(objectKey(o));
    if (!found) continue;
    for (const path of found) notes.push(`\`${formatPath(path)}\` of ${objectAddress(o)}`);
    if (into) into.set(objectKey(o), [...(into.get(objectKey(o)) ?? []), ...found]);
  }
  maskPaths(real, paths, hashing);
  return notes;
}

/** Replaces, in place, the value at each of `paths` (by object key) by its keyed digest. */
export function maskPaths(objects: K8sObject[], paths: ReadonlyMap<string, readonly ConcretePath[]>, hashing: SecretHashing): void {
  if (paths.size === 0) return;
  for (const o of objects) {
    for (const path of paths.get(objectKey(o)) ?? []) {
      if (path.length === 0) o.body = identityOnly(o, hashing);
      else replaceAt(o.body, path, (v) => secretMarker(typeof v === "string" ? v : canonicalYaml(v), hashing));
    }
  }
}

function replaceAt(root: unknown, path: ConcretePath, to: (v: unknown) => string): void {
  let node = root;
  for (const step of path.slice(0, -1)) {
    if (typeof node !== "object" || node === null) return;
    node = (node as Record<string | number, unknown>)[step];
  }
  const last = path[path.length - 1];
  if (last === undefined || typeof node !== "object" || node === null) return;
  const parent = node as Record<string | number, unknown>;
  if (Object.hasOwn(parent, last)) parent[last] = to(parent[last]);
}

function identityOnly(o: K8sObject, hashing: SecretHashing): Record<string, unknown> {
  const metadata: Record<string, unknown> = { name: o.name };
  const body = isRecord(o.body) ? o.body : {};
  if (isRecord(body.metadata) && typeof body.metadata.namespace === "string") metadata.namespace = body.metadata.namespace;
  return { apiVersion: o.apiVersion, kind: o.kind, metadata, "secret-derived": secretMarker(canonicalYaml(o.body), hashing) };
}
