import { createHash } from "node:crypto";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";
import { foldedKeys, statePlace } from "./state-place.js";

/**
 * A digest of the backend terraform set up at init (TF_DATA_DIR/terraform.tfstate: its type and
 * resolved config, `-backend-config` included; none: the local default), so that a state kept
 * when that backend refused it is pushed only into the same backend. A digest, as the config may
 * hold credentials. Undefined when the file cannot be read as a backend.
 */
export function backendDigest(dataDir: string): string | undefined {
  const file = readCheckoutFile(dataDir, "terraform.tfstate");
  if (!file.ok && file.problem !== "missing") return undefined;
  let shown = "null";
  if (file.ok) {
    // Keys terraform (Go) reads case-insensitively: the JSON read here would not be its backend.
    if (foldedKeys(file.text)) return undefined;
    try {
      const backend = (JSON.parse(file.text) as { backend?: { type?: unknown; config?: unknown } | null }).backend;
      shown = JSON.stringify(backend ? { type: backend.type ?? null, config: backend.config ?? null } : null);
    } catch {
      return undefined;
    }
  }
  return createHash("sha256").update(shown).digest("hex");
}

/**
 * The digest of a remote backend init set up, by which a hold kept under another dir is found;
 * undefined for a local one (its path is relative to its dir, the hold's own key, and every local
 * default digests alike) or one that cannot be read.
 */
export function remoteBackendDigest(dataDir: string): string | undefined {
  const file = readCheckoutFile(dataDir, "terraform.tfstate");
  if (!file.ok) return undefined;
  const place = statePlace({ backendState: file.text, projectDir: "/", checkoutDir: "/", workspace: "default" });
  return place.kind === "remote" ? backendDigest(dataDir) : undefined;
}
