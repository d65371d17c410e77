import { createHash } from "node:crypto";
import { readCheckoutFile } from "../../src/util/read-checkout-file.js";

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
    try {
      const backend = (JSON.parse(file.text) as { backend?: { type?: unknown; config?: unknown } | null }).backend;
      shown = JSON.stringify(backend ? { type: backend.type ?? null, config: backend.config ?? null } : null);
    } catch {
      return undefined;
    }
  }
  return createHash("sha256").update(shown).digest("hex");
}
