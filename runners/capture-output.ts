/** Past this much, a run's captured output is cut (its live output still streams). */
const MAX_CAPTURE = 64 * 1024 * 1024;

/** Collects a run's output chunks up to MAX_CAPTURE characters. */
export function captureOutput() {
  let size = 0;
  const parts: string[] = [];
  return {
    push(chunk: string) {
      if (size >= MAX_CAPTURE) return;
      parts.push(chunk);
      size += chunk.length;
    },
    text: () => parts.join(""),
  };
}
