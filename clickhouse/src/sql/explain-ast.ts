import { StoreError } from '../errors.ts';

/** One node of the engine's `EXPLAIN AST` output. */
export interface AstNode {
  /** e.g. SelectQuery, Function, TableIdentifier, Literal. */
  kind: string;
  /** What follows the kind on its line, without the alias and child count (a function or table name, a literal). */
  label: string;
  alias: string | null;
  children: AstNode[];
}

/**
 * Parses `EXPLAIN AST` text: one node per line, children indented by one more space. The
 * lines can be trusted to be lines because the lexer refuses control characters in names
 * and the engine prints string literals escaped.
 */
export function parseExplainAst(text: string): AstNode {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const root: AstNode = { kind: '(root)', label: '', alias: null, children: [] };
  const stack: { depth: number; node: AstNode }[] = [{ depth: -1, node: root }];
  for (const line of lines) {
    const depth = line.length - line.trimStart().length;
    const node = parseLine(line.trim());
    while (stack.length > 1 && stack[stack.length - 1]!.depth >= depth) stack.pop();
    const parent = stack[stack.length - 1]!;
    if (depth !== parent.depth + 1) throw new StoreError('sql_rejected', 'The query could not be analysed (unexpected parser output).');
    parent.node.children.push(node);
    stack.push({ depth, node });
  }
  if (root.children.length !== 1) throw new StoreError('sql_rejected', 'Only one statement is allowed.');
  return root.children[0]!;
}

function parseLine(line: string): AstNode {
  const space = line.indexOf(' ');
  const kind = space < 0 ? line : line.slice(0, space);
  let rest = space < 0 ? '' : line.slice(space + 1);
  rest = rest.replace(/ ?\(children \d+\)$/, '');
  let alias: string | null = null;
  const aliased = / ?\(alias ([^()]*)\)$/.exec(rest);
  if (aliased) {
    alias = aliased[1]!;
    rest = rest.slice(0, aliased.index);
  }
  return { kind, label: rest, alias, children: [] };
}

/** Every node under (and including) `node`, depth first. */
export function* walk(node: AstNode): Generator<{ node: AstNode; parent: AstNode | null }> {
  const stack: { node: AstNode; parent: AstNode | null }[] = [{ node, parent: null }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    yield item;
    for (let i = item.node.children.length - 1; i >= 0; i -= 1) stack.push({ node: item.node.children[i]!, parent: item.node });
  }
}
