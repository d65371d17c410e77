import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { removeAfterTest } from "../support/temp-dir.js";
import { projectQueues } from "../../src/queue/project-queues.js";
import type { Runner } from "../../runners/runner.js";
import { parseServerConfig } from "../../src/config/server-config.js";
import type { JobDeps, JobLog } from "../../src/job-context/job-deps.js";
import type { RunnerKind } from "../../src/model/project.js";
import { createRedactor } from "../../src/util/redact.js";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { FakeVcs } from "./fake-vcs.js";
import { FakeWorkspace } from "./fake-workspace.js";

/** A log that keeps what it was told, so tests can see warnings instead of a console. */
export function memoryLog(): JobLog & { lines: { level: string; msg: string; obj: object }[] } {
  const lines: { level: string; msg: string; obj: object }[] = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ level, msg, obj });
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

export interface FakeJobDeps extends JobDeps {
  vcs: FakeVcs;
  fakeWorkspace: FakeWorkspace;
  log: ReturnType<typeof memoryLog>;
}

/**
 * JobDeps made of fakes: the fake VCS and workspace, the given runners, and the real SQLite
 * store in `:memory:` (the store's own behaviour is the contract test's business; here it is the
 * cheapest faithful store). `serverConfig` is YAML, as an operator writes it.
 */
export async function fakeJobDeps(
  opts: { runners?: Partial<Record<RunnerKind, Runner>>; serverConfig?: string; store?: Store; concurrency?: number } = {},
): Promise<FakeJobDeps> {
  const vcs = new FakeVcs();
  const fakeWorkspace = new FakeWorkspace();
  const dataDir = await mkdtemp(join(tmpdir(), "sluice-fake-data-"));
  removeAfterTest(dataDir);
  return {
    vcs,
    fakeWorkspace,
    store: opts.store ?? openSqliteStore(":memory:"),
    vcsFor: async () => vcs,
    workspace: fakeWorkspace,
    config: parseServerConfig(opts.serverConfig ?? ""),
    log: memoryLog(),
    dataDir,
    tools: {
      runners: opts.runners ?? {},
      env: {},
      ...projectQueues(opts.concurrency ?? 4),
      // Fake runners never spawn: a tool run that reaches this exec is a test bug, said as such.
      sandbox: {
        status: { mode: "off" },
        warnings: [],
        keptPaths: [],
        sluiceDirs: [],
        execFor: () => ({
          ok: true,
          exec: async (file) => {
            throw new Error(`fake job deps: nothing may be spawned (${file})`);
          },
        }),
      },
    },
    redaction: { app: createRedactor() },
    reporting: { retry: { baseMs: 1, forMs: 0 } },
    wake: () => {},
    planKey: Buffer.from("test plan key"),
  };
}
