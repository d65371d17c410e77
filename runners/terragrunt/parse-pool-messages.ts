import type { TgFile } from "../../src/model/project-tree.js";

/** A batch of texts to parse, with its read's shared budget (see parse-budget.ts). */
export interface ToParseWorker {
  id: number;
  texts: string[];
  spentUs: Int32Array;
  limitUs: number;
}

/** The worker's grammar is loaded; then each batch's parses in the order of its texts, or why the worker could not parse it. */
export type FromParseWorker = { ready: true } | { id: number; parses: TgFile[] } | { id: number; error: string };
