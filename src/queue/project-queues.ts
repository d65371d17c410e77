import PQueue from "p-queue";
import type { ToolDeps } from "../job-context/job-deps.js";
import { createMemoryBudget, defaultBudget } from "../../runners/memory-budget.js";

/**
 * The replica's two queues for `parallel`: tool runs at once, and projects in progress at once
 * (twice as many, so the next projects take their locks and make their dirs while tools run, and
 * a finished project records its result without holding a tool slot).
 */
export function projectQueues(parallel: number, memoryBudget = defaultBudget()): Pick<ToolDeps, "projectQueue" | "toolSlots" | "memory"> {
  return {
    projectQueue: new PQueue({ concurrency: 2 * parallel }),
    toolSlots: new PQueue({ concurrency: parallel }),
    memory: createMemoryBudget(memoryBudget),
  };
}
