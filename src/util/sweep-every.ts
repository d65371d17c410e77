import { oneAtATime } from "./one-at-a-time.js";

/**
 * A sweep run at once and then every `intervalMs`, one at a time. A failed sweep is handed to
 * `failed` (logged by the caller) and the next interval tries again; the timer keeps no process alive.
 */
export function sweepEvery<T>(
  sweepOnce: () => Promise<T>,
  intervalMs: number,
  failed: (e: unknown) => void,
): { sweep(): Promise<T>; stop(): void } {
  const sweep = oneAtATime(sweepOnce);
  const tick = () => void sweep().catch(failed);
  tick();
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  return { sweep, stop: () => clearInterval(timer) };
}
