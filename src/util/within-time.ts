import { createContext, Script } from "node:vm";

const script = new Script("run()");
const context = createContext({ run: () => undefined });

/**
 * `fn()`, given at most `ms` milliseconds of the thread: undefined past them. For matching what
 * a pull request wrote with what it also wrote (Atlantis' `branch` regex and the base branch,
 * `ignore_paths` globs and its dirs), which a backtracking regexp may take hours over. A
 * synchronous match cannot be left otherwise, and it would hold the job thread. Each call starts
 * a watchdog (~0.1 ms): give it a batch, not one item.
 */
export function withinTime<T>(fn: () => T, ms: number): { value: T } | undefined {
  let value: T | undefined;
  context.run = () => {
    value = fn();
  };
  try {
    script.runInContext(context, { timeout: ms });
    return { value: value as T };
  } catch (e) {
    if ((e as { code?: unknown }).code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return undefined;
    throw e;
  } finally {
    context.run = () => undefined;
  }
}
