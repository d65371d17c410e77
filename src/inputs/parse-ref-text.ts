import type { OutputRef } from "../model/project-inputs.js";

/** `PROJECT.OUTPUT` as recorded with a plan, split at the last dot (output names have none). */
export function parseOutputRefText(text: string): OutputRef | undefined {
  const dot = text.lastIndexOf(".");
  if (dot <= 0 || dot === text.length - 1) return undefined;
  return { project: text.slice(0, dot), output: text.slice(dot + 1) };
}
