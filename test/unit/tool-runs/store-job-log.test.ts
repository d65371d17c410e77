import { describe, expect, it, vi } from "vitest";
import { openJobLog } from "../../../src/tool-runs/store-job-log.js";
import type { Job } from "../../../src/model/job.js";
import type { NewLogChunk } from "../../../src/store/console-store.js";

const job = {
  id: 7,
  target: { repo: { owner: "acme", name: "infra" }, pr: 3 },
  spec: { kind: "plan" },
} as unknown as Job;

function depsRecording(result = true) {
  const writes: NewLogChunk[] = [];
  const deps = {
    store: {
      appendJobLog: async (chunk: NewLogChunk) => {
        writes.push(chunk);
        return result;
      },
    },
    config: { log_max_bytes: 1_000_000 },
    log: { warn: () => undefined },
  } as unknown as Parameters<typeof openJobLog>[0];
  return { deps, writes };
}

describe("openJobLog", () => {
  it("stores a burst of output as one write after the flush interval, in order", async () => {
    vi.useFakeTimers();
    try {
      const { deps, writes } = depsRecording();
      const log = openJobLog(deps, job, "net", 250);
      for (const line of ["a\n", "b\n", "c\n"]) log.write(line);
      expect(writes).toHaveLength(0);
      await vi.advanceTimersByTimeAsync(250);
      expect(writes.map((w) => w.text)).toEqual(["a\nb\nc\n"]);
      log.write("d\n");
      await vi.advanceTimersByTimeAsync(250);
      expect(writes.map((w) => w.text)).toEqual(["a\nb\nc\n", "d\n"]);
      expect(writes[0]).toMatchObject({ jobId: 7, repo: "acme/infra", pr: 3, kind: "plan", project: "net" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("stores what is left at once when the run ends, without waiting for the interval", async () => {
    vi.useFakeTimers();
    try {
      const { deps, writes } = depsRecording();
      const log = openJobLog(deps, job, "net", 250);
      log.write("last words\n");
      log.end();
      await vi.advanceTimersByTimeAsync(0);
      expect(writes.map((w) => w.text)).toEqual(["last words\n"]);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(writes).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("stops writing once the store says the log is full", async () => {
    vi.useFakeTimers();
    try {
      const { deps, writes } = depsRecording(false);
      const log = openJobLog(deps, job, "net", 250);
      log.write("x");
      await vi.advanceTimersByTimeAsync(250);
      log.write("y");
      log.end();
      await vi.advanceTimersByTimeAsync(250);
      expect(writes.map((w) => w.text)).toEqual(["x"]);
    } finally {
      vi.useRealTimers();
    }
  });
});
