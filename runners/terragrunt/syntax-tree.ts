import type { Language, Node } from "web-tree-sitter";

/**
 * A syntax node as plain JavaScript: its type, its named children and its parent. Each property of
 * a tree-sitter `Node` is a call into WebAssembly (its type, its end, its children each time they
 * are read), which cost as much as the parse itself; a subtree is copied once instead.
 */
export class SyntaxNode {
  readonly children: SyntaxNode[] = [];
  constructor(
    readonly type: string,
    private readonly source: string,
    private readonly start: number,
    private readonly end: number,
    readonly parent: SyntaxNode | undefined,
  ) {}

  get text(): string {
    return this.source.slice(this.start, this.end);
  }
}

/** What the walk needs to know of a grammar's node types, by type id. */
export interface NodeKinds {
  names: readonly (string | null)[];
  /** The id of `block`. */
  block: number;
  /** Named types that never have children (identifiers, literals, comments): no step down is tried. */
  leaf: readonly boolean[];
}

/**
 * A language's node kinds; `leafTypes` names the types that never have children (from the
 * grammar's node-types.json). Anonymous nodes are tokens: they never have children either.
 */
export function nodeKinds(language: Language, leafTypes: ReadonlySet<string>): NodeKinds {
  const names: (string | null)[] = [];
  const leaf: boolean[] = [];
  for (let id = 0; id < language.nodeTypeCount; id++) {
    const name = language.nodeTypeForId(id);
    names.push(name);
    leaf.push(!language.nodeTypeIsNamed(id) || (name !== null && leafTypes.has(name)));
  }
  return { names, leaf, block: names.indexOf("block") };
}

/**
 * Copies a node and the named nodes under it as `SyntaxNode`s (tree-sitter's `namedChildren`),
 * in document order, each seen by `visit` before its children. `text` is the parsed text (the
 * nodes' indexes are indexes into it). A node `descend` says no to is copied without its children.
 */
export function copySubtree(
  node: Node,
  text: string,
  kinds: NodeKinds,
  visit: (node: SyntaxNode) => void,
  descend: (node: SyntaxNode) => boolean = () => true,
  parent?: SyntaxNode,
): SyntaxNode {
  const id = node.typeId;
  const copied = new SyntaxNode(kinds.names[id] ?? "ERROR", text, node.startIndex, node.endIndex, parent);
  visit(copied);
  if (kinds.leaf[id] || !descend(copied)) return copied;
  for (const child of node.namedChildren) {
    if (child) copied.children.push(copySubtree(child, text, kinds, visit, descend, copied));
  }
  return copied;
}
