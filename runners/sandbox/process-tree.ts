import { existsSync, readdirSync, readFileSync } from "node:fs";

/** What the limit watch needs of one process, from `/proc/PID/stat`. */
export interface ProcStat {
  pid: number;
  ppid: number;
  threads: number;
  rssPages: number;
}

/**
 * Parses `/proc/PID/stat`. The command name (field 2) is in parentheses and may itself hold
 * spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(")");
  if (close < 0) return undefined;
  const pid = Number.parseInt(text, 10);
  const rest = text.slice(close + 2).split(" ");
  // rest[0] is field 3 (state): ppid is field 4, num_threads field 20, rss field 24.
  const ppid = Number(rest[1]);
  const threads = Number(rest[17]);
  const rssPages = Number(rest[21]);
  if (![pid, ppid, threads, rssPages].every(Number.isFinite)) return undefined;
  return { pid, ppid, threads, rssPages };
}

/** Every descendant of `root` (not `root` itself). */
export function descendants(stats: readonly ProcStat[], root: number): ProcStat[] {
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) {
    const list = children.get(s.ppid);
    if (list) list.push(s);
    else children.set(s.ppid, [s]);
  }
  const found: ProcStat[] = [];
  const stack = [root];
  const seen = new Set<number>([root]);
  while (stack.length) {
    const pid = stack.pop() as number;
    for (const c of children.get(pid) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      found.push(c);
      stack.push(c.pid);
    }
  }
  return found;
}

/** Tasks (processes and threads) and resident pages of every descendant of `root`. */
export function treeUsage(stats: readonly ProcStat[], root: number): { tasks: number; rssPages: number } {
  let tasks = 0;
  let rssPages = 0;
  for (const s of descendants(stats, root)) {
    tasks += s.threads;
    rssPages += s.rssPages;
  }
  return { tasks, rssPages };
}

/**
 * PIDs handed out since `root` was: the kernel allocates them upwards and wraps at pid_max, so
 * they are those from `root` up, plus, after a wrap (the last PID is below `root` again), those up
 * to the last. Descendants of `root` are among them; measuring only these keeps a scan small on a
 * busy host.
 */
export function allocatedSince(root: number, lastPid: number | undefined): (pid: number) => boolean {
  if (lastPid === undefined || !Number.isFinite(lastPid)) return () => true;
  return lastPid >= root ? (pid) => pid >= root : (pid) => pid >= root || pid <= lastPid;
}

export function lastPid(proc = "/proc"): number | undefined {
  try {
    return Number.parseInt(readFileSync(`${proc}/sys/kernel/ns_last_pid`, "utf8"), 10);
  } catch {
    return undefined;
  }
}

/**
 * Processes on the host (all, or those `keep` selects), as far as they can be read: they come and
 * go while we read. Synchronous: a few small procfs reads cost less than queueing them on libuv's
 * thread pool, which the app's own file I/O shares.
 */
export function readProcStats(proc = "/proc", keep: (pid: number) => boolean = () => true): ProcStat[] {
  const stats: ProcStat[] = [];
  for (const e of readdirSync(proc)) {
    if (!/^\d+$/.test(e) || !keep(Number(e))) continue;
    try {
      const s = parseStat(readFileSync(`${proc}/${e}/stat`, "utf8"));
      if (s) stats.push(s);
    } catch {
      // The process ended while we looked.
    }
  }
  return stats;
}

const childrenFiles = new Map<string, boolean>();

/** Whether the kernel lists each task's children (`/proc/PID/task/TID/children`, CONFIG_PROC_CHILDREN). */
function hasChildrenFiles(proc: string): boolean {
  let has = childrenFiles.get(proc);
  if (has === undefined) {
    has = existsSync(`${proc}/self/task/${process.pid}/children`) || existsSync(`${proc}/1/task/1/children`);
    childrenFiles.set(proc, has);
  }
  return has;
}

/** The children of `pid` as its tasks list them (a child is listed by the thread that started it). */
function childrenOf(proc: string, pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`${proc}/${pid}/task`)) {
    const text = readFileSync(`${proc}/${pid}/task/${tid}/children`, "utf8");
    for (const c of text.split(" ")) if (c) out.push(Number(c));
  }
  return out;
}

/**
 * `root` and every descendant of it, as far as they can be read: walked down from `root` through
 * the kernel's children lists, so a measure costs what the run's own tree holds, never a scan of
 * every process on the host (which the busy host of many parallel runs made the job thread's
 * largest cost). Without children lists, the scan of processes allocated since `root`.
 */
export function readTree(root: number, proc = "/proc"): ProcStat[] {
  if (!hasChildrenFiles(proc)) {
    const stats = readProcStats(proc, allocatedSince(root, lastPid(proc)));
    const top = stats.find((s) => s.pid === root);
    return [...(top ? [top] : []), ...descendants(stats, root)];
  }
  const found: ProcStat[] = [];
  const seen = new Set<number>();
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop() as number;
    if (seen.has(pid)) continue;
    seen.add(pid);
    try {
      const s = parseStat(readFileSync(`${proc}/${pid}/stat`, "utf8"));
      if (!s) continue;
      found.push(s);
      stack.push(...childrenOf(proc, pid));
    } catch {
      // The process ended while we looked: its children, if any, are the init's now (inside the sandbox).
    }
  }
  return found;
}
