/**
 * Multi-string search over UTF-16 code units, linear in the text whatever the number of needles
 * (a regex alternation of hundreds of literals is tried alternative by alternative in V8).
 */
export interface Matcher {
  /** Calls `onMatch(start, end)` for the longest needle ending at each position that ends one. */
  scan(text: string, onMatch: (start: number, end: number) => void): void;
}

const NONE = -1;

/**
 * The trie of the needles (one node per code unit of each) with Aho-Corasick failure links. The
 * secrets and their encodings make tens of thousands of nodes, nearly all with a single child:
 * that child lives in two typed arrays, and only a node with more children gets a Map for the
 * rest (a Map per node held ~12 MB per redactor for a server's own secrets).
 */
export function buildMatcher(needles: readonly string[]): Matcher {
  const { codes, children, fails, outs, more, rootAscii, rootOther } = buildAutomaton(needles);
  const step = (node: number, code: number): number | undefined =>
    codes[node] === code ? (children[node] as number) : more.get(node)?.get(code);
  const fromRoot = (code: number): number => (code < 128 ? (rootAscii[code] as number) : (rootOther.get(code) ?? 0));
  return {
    scan(text, onMatch) {
      let node = 0;
      for (let i = 0; i < text.length; i++) {
        const code = text.charCodeAt(i);
        if (node === 0) {
          node = fromRoot(code);
          if (node === 0) continue;
        } else {
          let child = step(node, code);
          while (child === undefined && node !== 0) {
            node = fails[node] as number;
            child = node === 0 ? fromRoot(code) || undefined : step(node, code);
          }
          node = child ?? 0;
        }
        const length = outs[node] as number;
        if (length > 0) onMatch(i + 1 - length, i + 1);
      }
    },
  };
}

/**
 * The matcher's tables. Built in a function of its own: the growable arrays the build uses are
 * captured by its helper closures, and a matcher whose scan shared their scope kept them (~2.5 MB
 * for a server's own secrets) beside the typed arrays it reads.
 */
function buildAutomaton(needles: readonly string[]) {
  const firstCode: number[] = [NONE];
  const firstChild: number[] = [0];
  const more = new Map<number, Map<number, number>>();
  const fail: number[] = [0];
  // Length of the longest needle that is a suffix of the node's string (0: none).
  const out: number[] = [0];

  const childOf = (node: number, code: number): number | undefined =>
    firstCode[node] === code ? firstChild[node] : more.get(node)?.get(code);
  const addChild = (node: number, code: number): number => {
    const child = firstCode.length;
    firstCode.push(NONE);
    firstChild.push(0);
    fail.push(0);
    out.push(0);
    if (firstCode[node] === NONE) {
      firstCode[node] = code;
      firstChild[node] = child;
    } else {
      const rest = more.get(node) ?? new Map<number, number>();
      more.set(node, rest);
      rest.set(code, child);
    }
    return child;
  };
  const childrenOf = (node: number): [number, number][] => {
    const all: [number, number][] = firstCode[node] === NONE ? [] : [[firstCode[node] as number, firstChild[node] as number]];
    for (const entry of more.get(node) ?? []) all.push(entry);
    return all;
  };

  for (const needle of needles) {
    let node = 0;
    for (let i = 0; i < needle.length; i++) {
      const code = needle.charCodeAt(i);
      node = childOf(node, code) ?? addChild(node, code);
    }
    out[node] = Math.max(out[node] as number, needle.length);
  }

  // Breadth-first so a node's failure link is final before its children need it.
  const queue: number[] = childrenOf(0).map(([, child]) => child);
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as number;
    for (const [code, child] of childrenOf(node)) {
      let f = fail[node] as number;
      while (f !== 0 && childOf(f, code) === undefined) f = fail[f] as number;
      const target = childOf(f, code);
      fail[child] = target !== undefined && target !== child ? target : 0;
      out[child] = Math.max(out[child] as number, out[fail[child] as number] as number);
      queue.push(child);
    }
  }

  // Frozen into typed arrays: 16 bytes a node.
  const codes = Int32Array.from(firstCode);
  const children = Int32Array.from(firstChild);
  const fails = Int32Array.from(fail);
  const outs = Int32Array.from(out);
  // Most of a text matches nothing and is read at the root: its children by code unit, ASCII in
  // a table (0: none, the root is never a child).
  const rootAscii = new Int32Array(128);
  const rootOther = new Map<number, number>();
  for (const [code, child] of childrenOf(0)) {
    if (code < 128) rootAscii[code] = child;
    else rootOther.set(code, child);
  }
  return { codes, children, fails, outs, more, rootAscii, rootOther };
}
