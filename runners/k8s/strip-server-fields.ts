import type { K8sObject } from "./k8s-object.js";

/** Bookkeeping the API server writes on every object: it differs between any two reads and means nothing to a reviewer. */
const SERVER_METADATA = ["managedFields", "resourceVersion", "uid", "generation", "creationTimestamp", "selfLink"] as const;

/**
 * Client-side `kubectl apply` keeps the whole last applied object in this annotation, a Secret's
 * data included: hashing covers only `data` and `stringData`, so it must never reach a diff.
 */
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Makes objects read back from an API server (live or dry run) comparable, in place: server
 * bookkeeping and `status` go (an apply never sets status; it only shows what controllers did).
 * Defaulted fields stay: both views have them, so they only show on objects that are new.
 */
export function stripServerFields(objects: readonly K8sObject[]): void {
  for (const o of objects) {
    if (!isRecord(o.body)) continue;
    delete o.body.status;
    const metadata = o.body.metadata;
    if (!isRecord(metadata)) continue;
    for (const key of SERVER_METADATA) delete metadata[key];
    const annotations = metadata.annotations;
    if (isRecord(annotations)) {
      delete annotations[LAST_APPLIED];
      if (Object.keys(annotations).length === 0) delete metadata.annotations;
    }
  }
}
