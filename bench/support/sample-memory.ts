import { processMemory } from "./start-bench-app.js";

/** Samples a process's VmRSS every `everyMs` until stopped; returns the highest sample. */
export function sampleMemory(pid: number, everyMs = 50): { stop(): number } {
  let max = 0;
  const take = () => {
    try {
      max = Math.max(max, processMemory(pid).rssMb);
    } catch {
      // the process is gone
    }
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
