/** How often a run's disk use is measured (a walk of its dirs: dearer than the memory watch). */
export const DISK_WATCH_INTERVAL_MS = 1000;

/**
 * Measures what a run holds on disk every second (never two measures at once) and calls `onHit`
 * once when it is over `limitBytes`. `measure` failing counts as nothing measured. Returns a
 * stop function.
 */
export function watchDisk(limitBytes: number, measure: () => Promise<number>, onHit: () => void): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    if (stopped) return;
    const used = await measure().catch(() => 0);
    if (stopped) return;
    if (used > limitBytes) {
      stopped = true;
      onHit();
      return;
    }
    timer = setTimeout(tick, DISK_WATCH_INTERVAL_MS);
    timer.unref();
  };
  timer = setTimeout(tick, DISK_WATCH_INTERVAL_MS);
  timer.unref();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/**
 * Whether a walk of a run's dirs left some of them out: a dir the run made unreadable (`chmod 000`)
 * is skipped by `du` with "Permission denied" and counts as nothing, however much it holds (Sluice
 * runs as an ordinary user, whom the mode binds). `du` run with LC_ALL=C. A file removed during the
 * walk ("No such file or directory") is no longer there to count.
 */
export function duLeftOut(stderr: string): boolean {
  return /Permission denied/.test(stderr);
}

/** Bytes `du -s -B1` printed for each of its operands, added up. */
export function parseDuTotal(out: string): number {
  let total = 0;
  for (const line of out.split("\n")) {
    const n = Number(/^(\d+)\s/.exec(line)?.[1]);
    if (Number.isFinite(n)) total += n;
  }
  return total;
}
