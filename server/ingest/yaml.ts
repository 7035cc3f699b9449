// YAML → data for pipeline definitions. Pure. Parsed, never executed: no custom tags resolve (GitLab's `!reference`
// stays plain data), and alias expansion is bounded so that a "billion laughs" document is refused, as XML DTDs are.
import {
  isAlias,
  isCollection,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseAllDocuments,
  type Document,
  type Node,
} from "yaml";

/** Nodes a document may expand to through its aliases: far beyond any real pipeline, far below a memory problem. */
export const MAX_YAML_NODES = 1_000_000;

export type YamlPath = readonly (string | number)[];

export type ParsedYaml = {
  value: unknown;
  /** 1-based line of the node (for a mapping entry: of its key) at this path, when it is in the text */
  lineOf: (path: YamlPath) => number | undefined;
};

export class YamlError extends Error {
  constructor(
    message: string,
    readonly line?: number,
    readonly column?: number,
  ) {
    super(message);
    this.name = "YamlError";
  }
}

/**
 * Parses one YAML document (a GitLab `spec:` header document before the pipeline is skipped). Throws YamlError for a
 * syntax error, several documents, or an alias expansion past MAX_YAML_NODES.
 */
export function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, merge: true, uniqueKeys: false, prettyErrors: false });
  const all = Array.isArray(docs) ? docs : [docs];
  for (const d of all) {
    const err = d.errors[0];
    if (err) {
      const pos = lineCounter.linePos(err.pos[0]);
      throw new YamlError(
        `Malformed YAML: ${err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
        pos.line,
        pos.col,
      );
    }
  }
  let doc = all[0];
  // GitLab CI/CD components and inputs: a `spec:` header, `---`, then the pipeline.
  if (
    all.length === 2 &&
    isMap(all[0]!.contents) &&
    all[0]!.contents.items.some((p) => isScalar(p.key) && p.key.value === "spec")
  )
    doc = all[1];
  else if (all.length > 1) throw new YamlError("A pipeline definition is one YAML document; this one holds several.");
  if (!doc || doc.contents === null) return { value: null, lineOf: () => undefined };
  const size = expandedSize(doc);
  if (size > MAX_YAML_NODES)
    throw new YamlError(`YAML whose aliases expand to more than ${MAX_YAML_NODES.toLocaleString("en")} nodes is refused.`);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: -1 });
  } catch (e) {
    throw new YamlError(`Malformed YAML: ${e instanceof Error ? e.message : "cannot be read"}`);
  }
  return { value, lineOf: (path) => lineAt(doc, lineCounter, path) };
}

/** How many nodes the document holds once every alias is expanded, computed without expanding anything. */
function expandedSize(doc: Document): number {
  const memo = new Map<Node, number>();
  const visiting = new Set<Node>();
  const size = (node: unknown): number => {
    if (!node || typeof node !== "object") return 1;
    if (isPair(node)) return size(node.key) + size(node.value);
    const n = node as Node;
    const known = memo.get(n);
    if (known !== undefined) return known;
    // A self-referencing alias has no finite expansion.
    if (visiting.has(n)) return Infinity;
    visiting.add(n);
    let total = 1;
    if (isAlias(n)) total = size(n.resolve(doc));
    else if (isCollection(n)) {
      for (const item of n.items) {
        total += size(item);
        if (total > MAX_YAML_NODES) break;
      }
    }
    visiting.delete(n);
    memo.set(n, total);
    return total;
  };
  return size(doc.contents);
}

function lineAt(doc: Document, lc: LineCounter, path: YamlPath): number | undefined {
  let node: unknown = doc.contents;
  let offset: number | undefined;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : p.key) === String(seg));
      if (!pair) return undefined;
      offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg] as Node | undefined;
      if (!item) return undefined;
      offset = item.range?.[0];
      node = item;
    } else return undefined;
  }
  if (offset === undefined && path.length === 0) offset = (doc.contents as Node | null)?.range?.[0];
  return offset === undefined ? undefined : lc.linePos(offset).line;
}
