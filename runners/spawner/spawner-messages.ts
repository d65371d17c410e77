import type { SpawnRequest } from "./spawner.js";

/** What the app asks of its spawner process (runners/spawner/spawner.py); a message's `data` travels as its frame's payload (spawner-frames.ts). */
export type ToSpawner =
  | ({ type: "spawn"; id: number } & SpawnRequest)
  | { type: "stdin"; id: number; data: Buffer }
  | { type: "stdin-end"; id: number }
  | { type: "measure"; id: number; dirs: string[] };

/** What the spawner reports: ready (once, first), then in order per id: spawned (or failed), output, then exited. */
export type FromSpawner =
  | { type: "ready"; executable: string }
  | { type: "spawned"; id: number; pid: number }
  | { type: "failed"; id: number; message: string; code?: string }
  | { type: "output"; id: number; fd: 1 | 2; data: Buffer }
  | { type: "exited"; id: number; code: number | null; signal: string | null }
  | ({ type: "measured"; id: number } & DiskWalk);

/**
 * What a run's dirs hold (runners/spawner/disk_walk.py, counted as `du -s -x` counts), or that a
 * dir in them could not be read, or that the walk left the tree to `du` (too large, too deep).
 */
export type DiskWalk = { bytes: number; inodes: number } | { leftOut: true } | { unknown: string };
