import type { SecretHashing } from "./hash-secret-values.js";
import type { ConcretePath } from "./ignore-paths.js";
import { type K8sObject, objectKey } from "./k8s-object.js";
import { maskPaths } from "./mask-secret-derived.js";

/** A keyed digest already (a field the canaries found derived from a server secret). */
const MARKER = /^(?:hmac|sha256):[0-9a-f]{12}$/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** An annotation or label that holds a digest of other content: `checksum/config`, `…/secret-hash`, `config-digest`. */
const DIGEST_KEY = /checksum|hash|digest/i;
/** A value that is a bare hex digest (md5 and longer), whatever its key. */
const DIGEST_VALUE = /^(?:sha\d*[:-])?[0-9a-f]{32,}$/i;

/**
 * Every annotation and label, at any depth (the pod template's too), that holds a digest, shown as
 * the plan's keyed digest of its value, in place. A checksum annotation hashes a rendered Secret
 * or ConfigMap whose other content the reader knows: posted as it is, it lets anyone test guesses
 * of the secret offline, and Sluice cannot tell what it covers (a value from the repository, a
 * Secret read from the cluster by `lookup`, a server secret). Keyed digests still change when the
 * content does. Returns the paths by object key, for the live diff.
 */
export function maskChecksums(objects: K8sObject[], hashing: SecretHashing, into?: Map<string, ConcretePath[]>): void {
  const paths = new Map<string, ConcretePath[]>();
  for (const o of objects) {
    const found: ConcretePath[] = [];
    walk(o.body, [], found);
    if (found.length === 0) continue;
    paths.set(objectKey(o), found);
    if (into) {
      const known = into.get(objectKey(o)) ?? [];
      const fresh = found.filter((p) => !known.some((k) => k.length === p.length && k.every((s, i) => s === p[i])));
      into.set(objectKey(o), [...known, ...fresh]);
    }
  }
  maskPaths(objects, paths, hashing);
}

function walk(node: unknown, at: ConcretePath, found: ConcretePath[]): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) walk(item, [...at, i], found);
    return;
  }
  if (!isRecord(node)) return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === "annotations" || key === "labels") && isRecord(value)) {
      for (const [name, v] of Object.entries(value)) {
        if (typeof v === "string" && v !== "" && !MARKER.test(v) && (DIGEST_KEY.test(name) || DIGEST_VALUE.test(v))) {
          found.push([...at, key, name]);
        }
      }
      continue;
    }
    walk(value, [...at, key], found);
  }
}
