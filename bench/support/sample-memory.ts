import { processMemory } from "./start-bench-app.js";

/**
 * Samples the VmRSS of a process, plus that of the processes `others` names at the time (the
 * app's spawner), every `everyMs` until stopped; returns the highest sum.
 */
export function sampleMemory(pid: number, everyMs = 50, others: () => (number | undefined)[] = () => []): { stop(): number } {
  let max = 0;
  const rss = (p: number | undefined) => {
    try {
      // A zombie (exited, not yet reaped) has no VmRSS: it holds none.
      const rss = p === undefined ? 0 : processMemory(p).rssMb;
      return Number.isFinite(rss) ? rss : 0;
    } catch {
      return 0; // the process is gone
    }
  };
  const take = () => {
    max = Math.max(max, rss(pid) + others().reduce<number>((sum, p) => sum + rss(p), 0));
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return max;
    },
  };
}
