import type { SpawnRequest } from "./spawner.js";

/** What the app asks of its spawner process (runners/spawner/spawner.py); a message's `data` travels as its frame's payload (spawner-frames.ts). */
export type ToSpawner =
  | ({ type: "spawn"; id: number } & SpawnRequest)
  | { type: "stdin"; id: number; data: Buffer }
  | { type: "stdin-end"; id: number };

/** What the spawner reports: ready (once, first), then in order per id: spawned (or failed), output, then exited. */
export type FromSpawner =
  | { type: "ready"; executable: string }
  | { type: "spawned"; id: number; pid: number }
  | { type: "failed"; id: number; message: string; code?: string }
  | { type: "output"; id: number; fd: 1 | 2; data: Buffer }
  | { type: "exited"; id: number; code: number | null; signal: string | null };
