/**
 * Which runs share a disk dir (a PR's projects plan in one checkout): the disk limit counts a
 * run's dirs as a whole, so what another run wrote there counts too, and a run stopped for it is
 * told so. Per thread: every tool of a job runs from the job thread.
 */
interface Holder {
  shared: boolean;
}

const holders = new Map<string, Set<Holder>>();

/** Holds `dirs` for one run until `release`; `shared()`: another run held one of them meanwhile. */
export function holdDiskDirs(dirs: readonly string[]): { shared(): boolean; release(): void } {
  const me: Holder = { shared: false };
  for (const dir of dirs) {
    let set = holders.get(dir);
    if (!set) {
      set = new Set();
      holders.set(dir, set);
    }
    for (const other of set) {
      other.shared = true;
      me.shared = true;
    }
    set.add(me);
  }
  return {
    shared: () => me.shared,
    release() {
      for (const dir of dirs) {
        const set = holders.get(dir);
        set?.delete(me);
        if (set?.size === 0) holders.delete(dir);
      }
    },
  };
}
