/**
 * Multi-string search over UTF-16 code units, linear in the text whatever the number of needles
 * (a regex alternation of hundreds of literals is tried alternative by alternative in V8).
 */
export interface Matcher {
  /** Calls `onMatch(start, end)` for the longest needle ending at each position that ends one. */
  scan(text: string, onMatch: (start: number, end: number) => void): void;
}

export function buildMatcher(needles: readonly string[]): Matcher {
  const next: Map<number, number>[] = [new Map()];
  const fail: number[] = [0];
  // Length of the longest needle that is a suffix of the node's string (0: none).
  const out: number[] = [0];
  const depth: number[] = [0];

  for (const needle of needles) {
    let node = 0;
    for (let i = 0; i < needle.length; i++) {
      const code = needle.charCodeAt(i);
      const edges = next[node] as Map<number, number>;
      let child = edges.get(code);
      if (child === undefined) {
        child = next.length;
        edges.set(code, child);
        next.push(new Map());
        fail.push(0);
        out.push(0);
        depth.push((depth[node] as number) + 1);
      }
      node = child;
    }
    out[node] = Math.max(out[node] as number, needle.length);
  }

  // Breadth-first so a node's failure link is final before its children need it.
  const queue: number[] = [...(next[0] as Map<number, number>).values()];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as number;
    for (const [code, child] of next[node] as Map<number, number>) {
      let f = fail[node] as number;
      while (f !== 0 && !(next[f] as Map<number, number>).has(code)) f = fail[f] as number;
      const target = (next[f] as Map<number, number>).get(code);
      fail[child] = target !== undefined && target !== child ? target : 0;
      out[child] = Math.max(out[child] as number, out[fail[child] as number] as number);
      queue.push(child);
    }
  }

  const root = next[0] as Map<number, number>;
  return {
    scan(text, onMatch) {
      let node = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (node === 0) {
          const child = root.get(code);
          if (child === undefined) continue;
          node = child;
        } else {
          let child = (next[node] as Map<number, number>).get(code);
          while (child === undefined && node !== 0) {
            node = fail[node] as number;
            child = (next[node] as Map<number, number>).get(code);
          }
          node = child ?? 0;
        }
        const length = out[node] as number;
        if (length > 0) onMatch(i + 1 - length, i + 1);
      }
    },
  };
}
