import { canonicalYaml } from "./canonical-yaml.js";
import { differingPaths, formatPath } from "./differing-paths.js";
import { type SecretHashing, secretMarker } from "./hash-secret-values.js";
import type { ConcretePath } from "./ignore-paths.js";
import { type K8sObject, objectAddress, objectKey } from "./k8s-object.js";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What a template derives from server-held secrets, as `maskSecretDerived` found it. */
export interface SecretDerived {
  /** One line per field shown as a keyed digest: its path and its object. */
  notes: string[];
  /**
   * Where a secret shapes the render rather than a value: an object that exists with the real
   * secrets only (its name or namespace derives from one, or the chart renders it for the
   * secret's exact value), a map key that changes with the secrets. Masking a value cannot hide
   * those, so the plan fails with these lines; none of them quotes what the secret shaped.
   */
  problems: string[];
}

/**
 * Hides what a template derives from server-held secrets. `canary` is the same render with every
 * secret replaced by a random value: a field that differs from `real` depends on a secret (a
 * checksum annotation, a DSN, base64 of a concatenation) and is replaced, in place, by the plan's
 * keyed digest of its value, as Secret values are. Equal values give equal digests, so base and
 * head still compare, and without the key nobody can check a guess against them. A name, a
 * namespace or a key that differs is a problem (see `SecretDerived.problems`), never a note: a
 * note naming it would print it. `into` collects the masked fields by object key, so other views
 * of the same objects (the live diff) can be masked alike with `maskPaths`.
 */
export function maskSecretDerived(
  real: K8sObject[],
  canary: readonly K8sObject[],
  hashing: SecretHashing,
  into?: Map<string, ConcretePath[]>,
): SecretDerived {
  const paths = differingPaths(real, canary);
  const twins = new Map(canary.map((o) => [objectKey(o), o]));
  // A source line is the template's file name only when the canary render has it too: a template can print its own comments.
  const sources = new Set(canary.flatMap((o) => (o.source ? [o.source] : [])));
  const notes: string[] = [];
  const problems: string[] = [];
  const masked = new Map<string, ConcretePath[]>();
  for (const o of real) {
    const found = paths.get(objectKey(o));
    const twin = twins.get(objectKey(o));
    if (!found) continue;
    if (!twin) {
      const from = o.source && sources.has(o.source) ? ` (from ${o.source})` : "";
      problems.push(
        `a ${o.kind}${from} exists only with the real secrets: its name or namespace derives from a secret, or the chart renders it for the secret's exact value`,
      );
      continue;
    }
    const values: ConcretePath[] = [];
    for (const path of found) {
      if (keyDiffers(o.body, twin.body, path)) {
        problems.push(`a key under \`${formatPath(path.slice(0, -1))}\` of ${objectAddress(o)} derives from a secret`);
      } else {
        values.push(path);
        notes.push(`\`${formatPath(path)}\` of ${objectAddress(o)}`);
      }
    }
    if (values.length === 0) continue;
    masked.set(objectKey(o), values);
    if (into) into.set(objectKey(o), [...(into.get(objectKey(o)) ?? []), ...values]);
  }
  maskPaths(real, masked, hashing);
  return { notes, problems: [...new Set(problems)] };
}

/** Whether the last step of `path` is a map key one side has and the other lacks (the key itself differs). */
function keyDiffers(a: unknown, b: unknown, path: ConcretePath): boolean {
  const last = path[path.length - 1];
  if (typeof last !== "string") return false;
  const parentA = at(a, path.slice(0, -1));
  const parentB = at(b, path.slice(0, -1));
  return isRecord(parentA) && isRecord(parentB) && Object.hasOwn(parentA, last) !== Object.hasOwn(parentB, last);
}

function at(root: unknown, path: ConcretePath): unknown {
  let node = root;
  for (const step of path) {
    if (typeof node !== "object" || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[step];
  }
  return node;
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
