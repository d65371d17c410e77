import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { errorMessage } from "../util/errors.js";

/**
 * Lowers the calling thread's CPU priority (Linux: each thread has its own nice value; the
 * processes it starts inherit it). Returns what happened, for the log: elsewhere, or where it is
 * not allowed, the thread keeps its priority and nothing else changes.
 */
export function lowerThreadPriority(nice: number): { ok: true; tid: number } | { ok: false; reason: string } {
  try {
    // `/proc/thread-self` → `<pid>/task/<tid>`.
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (!Number.isInteger(tid) || tid <= 0) return { ok: false, reason: "no thread id in /proc/thread-self" };
    setPriority(tid, nice);
    return { ok: true, tid };
  } catch (e) {
    return { ok: false, reason: errorMessage(e) };
  }
}
