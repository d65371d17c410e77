import { createHash, randomUUID } from "node:crypto";
import stringify from "safe-stable-stringify";

/**
 * A digest of one planned change's values (before, after, unknown and sensitive markers) in a
 * key-order-independent form. Two plans with the same addresses and actions can still set other
 * values (an image tag pushed to main after the approval): comparing digests catches that without
 * keeping the values themselves, sensitive ones included.
 */
export function hashChange(change: unknown): string {
  try {
    return createHash("sha256")
      .update(stringify(change) ?? "null")
      .digest("hex");
  } catch {
    // Too deeply nested to serialize: a digest that equals nothing, so it is never taken as unchanged.
    return `unhashable-${randomUUID()}`;
  }
}
