/**
 * `run`, one at a time: a call while a run is under way gets that run's promise instead of
 * starting another (a slow database or GitHub must not stack up overlapping sweeps or checks);
 * the next call after it settles starts anew.
 */
export function oneAtATime<T>(run: () => Promise<T>): () => Promise<T> {
  let running: Promise<T> | undefined;
  return () => {
    running ??= run().finally(() => {
      running = undefined;
    });
    return running;
  };
}
