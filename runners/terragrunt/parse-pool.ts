import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { TgFile } from "../../src/model/project-tree.js";
import type { ReadBudget } from "./parse-budget.js";
import type { FromParseWorker, ToParseWorker } from "./parse-pool-messages.js";

/** Files one message carries: few enough that the workers share a read's end evenly. */
export const PARSE_BATCH = 64;
/**
 * Below this many files a read parses on its own thread: a worker's start, its grammar's load and
 * its warming up cost ~90-100 ms of CPU. Measured (2026-11-27, load 3.8): 512 files took 102-138
 * ms with the pool against 96-128 ms without, for 193-250 ms of CPU against 102-152; 1,024 files
 * 173-185 ms against 181-219 ms, the reading thread's CPU 130-150 ms against 180-220.
 */
export const POOL_MIN_FILES = 1_024;
/** How long idle workers are kept for the next read (a burst of PRs) before they are let go. */
const IDLE_MS = 10_000;

interface Batch {
  id: number;
  texts: string[];
  read: ReadBudget;
  done(parses: TgFile[]): void;
  failed(e: Error): void;
}

interface PoolWorker {
  worker: Worker;
  /** Sent and not answered yet, in the order sent (a worker answers in that order). */
  batches: Batch[];
  /** Its grammar is loaded: batches are sent from then on. */
  ready: boolean;
}

/**
 * Batches a worker holds at once: the next is already there when it ends one, not waiting for
 * the reading thread, busy with its own batch, to hand it one.
 */
const IN_FLIGHT = 2;

const workers: PoolWorker[] = [];
const queue: Batch[] = [];
let nextId = 0;
let idleTimer: NodeJS.Timeout | undefined;

/** How the reading thread parses a batch itself (its own grammar), within the batch's read budget. */
export type ParseHere = (texts: string[], read: ReadBudget) => TgFile[];

/**
 * Parses `texts` on worker threads (one grammar each) and resolves with their parses in the order
 * of `texts`. With `here`, the reading thread takes batches too, between returns to its event
 * loop, and one worker fewer is started: a new worker costs its start and its own warming up of
 * the parser's code, which the reading thread has paid once already. Up to a parser per CPU in
 * all. Batches are taken in order, so the smallest files, sorted first by the reader, are parsed
 * first. A batch a worker could not parse rejects the whole call with its reason, as a parse that
 * threw on the reader's thread would.
 */
export function parseInPool(
  texts: readonly string[],
  read: ReadBudget,
  { here, batchSize = PARSE_BATCH }: { here?: ParseHere; batchSize?: number } = {},
): Promise<TgFile[]> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const batches: Promise<TgFile[]>[] = [];
  for (let i = 0; i < texts.length; i += batchSize) {
    const slice = texts.slice(i, i + batchSize);
    const batch = new Promise<TgFile[]>((done, failed) => queue.push({ id: nextId++, texts: slice, read, done, failed }));
    // The call fails with its first failed batch; the others' failures are the same fault.
    batch.catch(() => {});
    batches.push(batch);
  }
  const helpers = here ? 1 : 0;
  const wanted = Math.min(availableParallelism(), batches.length) - helpers;
  while (workers.length < wanted) workers.push(startWorker());
  for (const w of workers) give(w);
  if (here) void parseHereToo(here);
  return Promise.all(batches).then((parts) => parts.flat());
}

/** The reading thread's share: batches off the queue until it is empty, its event loop served between them. */
async function parseHereToo(here: ParseHere): Promise<void> {
  for (let b = queue.shift(); b; b = queue.shift()) {
    try {
      b.done(here(b.texts, b.read));
    } catch (e) {
      b.failed(e instanceof Error ? e : new Error(String(e)));
    }
    await new Promise((r) => setImmediate(r));
  }
}

/** The pool's workers now (tests: the pool is let go when idle). */
export const parsePoolSize = (): number => workers.length;

/** Lets the workers go now (tests; a process that is stopping): a read still parsing fails with that reason. */
export async function closeParsePool(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const closing = workers.splice(0);
  const closed = new Error("the Terragrunt parse pool was closed while parsing");
  for (const b of [...closing.flatMap((w) => w.batches), ...queue.splice(0)]) b.failed(closed);
  // The close is awaited on a ref'd timer, or a caller awaiting it (a process stopping, a test)
  // could see its event loop empty first and exit mid-await: an idle worker is unref'd, and a
  // worker terminated while still loading its grammar does not hold the loop even once ref'd
  // (seen on a job thread: 3 in 40 runs exited with code 13, "unsettled top-level await").
  const holdLoop = setInterval(() => {}, 1_000);
  try {
    await Promise.all(
      closing.map((w) => {
        w.worker.ref();
        return w.worker.terminate();
      }),
    );
  } finally {
    clearInterval(holdLoop);
  }
}

function give(w: PoolWorker): void {
  if (!w.ready) return;
  for (let batch = w.batches.length < IN_FLIGHT ? queue.shift() : undefined; batch; ) {
    w.batches.push(batch);
    const { spentUs, limitUs } = batch.read;
    w.worker.postMessage({ id: batch.id, texts: batch.texts, spentUs, limitUs } satisfies ToParseWorker);
    batch = w.batches.length < IN_FLIGHT ? queue.shift() : undefined;
  }
  if (w.batches.length > 0) {
    w.worker.ref();
    return;
  }
  // An idle worker does not keep the process alive, nor its memory past IDLE_MS.
  w.worker.unref();
  if (workers.every((x) => x.batches.length === 0) && !idleTimer) {
    idleTimer = setTimeout(() => void closeParsePool(), IDLE_MS);
    idleTimer.unref();
  }
}

/** Run from the TypeScript sources (tsx: tests, benchmarks), not from dist/. */
const fromSource = () => import.meta.url.endsWith(".ts");

function startWorker(): PoolWorker {
  const worker = fromSource()
    ? // tsx registers its loader on the main thread only: the thread registers it, then loads the entry.
      new Worker(
        `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then(({ register }) => { register(); return import(${JSON.stringify(new URL("./parse-worker.ts", import.meta.url).href)}); });`,
        { eval: true },
      )
    : new Worker(new URL("./parse-worker.js", import.meta.url));
  // Node's default 4 MB stack, as the job thread that reads in production has: a file nested past
  // it is "nested too deeply" in the pool as on that thread.
  const w: PoolWorker = { worker, batches: [], ready: false };
  worker.on("message", (m: FromParseWorker) => {
    if ("ready" in m) {
      w.ready = true;
      give(w);
      return;
    }
    const batch = w.batches[0];
    if (!batch || batch.id !== m.id) return;
    w.batches.shift();
    if ("error" in m) batch.failed(new Error(m.error));
    else batch.done(m.parses);
    give(w);
  });
  const lost = (why: string) => {
    const at = workers.indexOf(w);
    if (at < 0) return;
    workers.splice(at, 1);
    for (const b of w.batches.splice(0))
      b.failed(new Error(`a Terragrunt parse worker stopped (${why}) while parsing ${b.texts.length} files`));
    // Nothing left to take the queue: its batches fail now rather than wait forever.
    if (workers.length === 0) for (const b of queue.splice(0)) b.failed(new Error(`no Terragrunt parse worker is left (${why})`));
  };
  worker.on("error", (e) => lost(e.message));
  worker.on("exit", (code) => lost(`exit code ${code}`));
  return w;
}
