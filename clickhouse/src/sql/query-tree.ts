import { StoreError } from '../errors.ts';

/**
 * One line of the engine's `EXPLAIN QUERY TREE` output with the lines indented under it. A
 * line is a node (`FUNCTION id: 5, function_name: plus, ...`) or a section of its parent
 * (`JOIN TREE`, `WHERE`, `ARGUMENTS`, `EXPRESSION a`).
 */
export interface TreeItem {
  /** For a node its kind (`QUERY`, `IDENTIFIER`, `CROSS JOIN`); for a section its name (`JOIN TREE`). */
  name: string;
  isNode: boolean;
  /** A node's `key: value` attributes; see `attribute`. */
  attributes: string;
  children: TreeItem[];
}

const NODE = /^([A-Z_]+(?: [A-Z_]+)*) id: \d+(?:, (.*))?$/;
/** Sections followed by text of the engine's (a formatted expression, a count, a column name). */
const SECTIONS_WITH_TEXT = ['EXPRESSION', 'REPLACEMENTS', 'REPLACEMENT NAME', 'SETTINGS'];

/**
 * Parses the text of `EXPLAIN QUERY TREE`: two spaces of indentation per level. What is not a
 * node or a section this parser knows is refused by the caller's checks, never skipped: the
 * lines are lines because the engine prints literals escaped, and names that could read as
 * part of a line (quotes, commas, colons, dots) are refused by the lexer before the engine
 * sees the statement.
 */
export function parseQueryTree(text: string): TreeItem {
  const root: TreeItem = { name: '(root)', isNode: false, attributes: '', children: [] };
  const stack: { depth: number; item: TreeItem }[] = [{ depth: -1, item: root }];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const indent = line.length - line.trimStart().length;
    if (indent % 2 !== 0) unreadable();
    const depth = indent / 2;
    while (stack[stack.length - 1]!.depth >= depth) stack.pop();
    const parent = stack[stack.length - 1]!;
    if (depth !== parent.depth + 1) unreadable();
    const item = parseLine(line.trim());
    parent.item.children.push(item);
    stack.push({ depth, item });
  }
  if (root.children.length !== 1) unreadable();
  return root.children[0]!;
}

function parseLine(line: string): TreeItem {
  const section = SECTIONS_WITH_TEXT.find((s) => line === s || line.startsWith(`${s} `));
  if (section) return { name: section, isNode: false, attributes: line.slice(section.length).trim(), children: [] };
  const node = NODE.exec(line);
  if (node) return { name: node[1]!, isNode: true, attributes: node[2] ?? '', children: [] };
  return { name: line, isNode: false, attributes: '', children: [] };
}

/**
 * One attribute of a node (`identifier`, `alias`, `cte_name`, `function_name`). Attributes are
 * separated by `, `; the values read here are names (which the lexer keeps free of commas and
 * colons) or engine words, never literals.
 */
export function attribute(item: TreeItem, key: string): string | undefined {
  for (const part of item.attributes.split(/, (?=[a-z_]+: )/)) {
    if (part.startsWith(`${key}: `)) return part.slice(key.length + 2);
  }
  return undefined;
}

function unreadable(): never {
  throw new StoreError('sql_rejected', 'The query could not be analysed (unexpected output of the engine\'s query tree).');
}
