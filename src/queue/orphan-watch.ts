/**
 * The periodic look for the work of replicas that died. Asking is cheap (`anyOrphans`); recovering
 * runs only when two looks in a row say yes, so a replica whose liveness session dropped for a
 * moment (it takes its lock again within a second) is not taken for dead. Never two at once.
 */
export function createOrphanWatch(parts: { anyOrphans: () => Promise<boolean>; recover: () => Promise<void> }): () => Promise<void> {
  let busy = false;
  let seenBefore = false;
  return async () => {
    if (busy) return;
    busy = true;
    try {
      const seen = await parts.anyOrphans();
      const confirmed = seen && seenBefore;
      seenBefore = seen && !confirmed;
      if (confirmed) await parts.recover();
    } finally {
      busy = false;
    }
  };
}
