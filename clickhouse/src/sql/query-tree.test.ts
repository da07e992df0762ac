import { describe, expect, it } from 'vitest';
import { attribute, parseQueryTree } from './query-tree.ts';

/** `EXPLAIN QUERY TREE run_passes = 0` output as chDB 3.4 prints it (shortened). */
const TREE = `QUERY id: 0
  PROJECTION
    LIST id: 1, nodes: 2
      CONSTANT id: 2, alias: q w, constant_value: 'a\\nIDENTIFIER id: 3, identifier: accounts', constant_value_type: String
      MATCHER id: 4, matcher_type: COLUMNS_LIST, column_identifiers: a, b
  JOIN TREE
    IDENTIFIER id: 5, alias: r, identifier: requests, final: 1
  ORDER BY
    LIST id: 6, nodes: 1
      SORT id: 7, sort_direction: ASCENDING, with_fill: 0
        EXPRESSION concat('x id: 9', a)
          IDENTIFIER id: 8, identifier: a`;

describe('parseQueryTree', () => {
  it('reads nodes, sections and the attributes the check needs, and never a literal as a node', () => {
    const root = parseQueryTree(TREE);
    expect(root).toMatchObject({ name: 'QUERY', isNode: true });
    expect(root.children.map((s) => [s.name, s.isNode])).toEqual([['PROJECTION', false], ['JOIN TREE', false], ['ORDER BY', false]]);
    const [constant, matcher] = root.children[0]!.children[0]!.children;
    expect(constant).toMatchObject({ name: 'CONSTANT', children: [] });
    expect(attribute(matcher!, 'matcher_type')).toBe('COLUMNS_LIST');
    const table = root.children[1]!.children[0]!;
    expect([attribute(table, 'identifier'), attribute(table, 'alias'), attribute(table, 'final')]).toEqual(['requests', 'r', '1']);
    const expression = root.children[2]!.children[0]!.children[0]!.children[0]!;
    expect(expression).toMatchObject({ name: 'EXPRESSION', isNode: false, attributes: "concat('x id: 9', a)" });
    expect(attribute(expression.children[0]!, 'identifier')).toBe('a');
  });

  it('refuses output it cannot place: odd indentation, a skipped level, two roots', () => {
    expect(() => parseQueryTree('QUERY id: 0\n   PROJECTION')).toThrow(/could not be analysed/);
    expect(() => parseQueryTree('QUERY id: 0\n    PROJECTION')).toThrow(/could not be analysed/);
    expect(() => parseQueryTree('QUERY id: 0\nQUERY id: 1')).toThrow(/could not be analysed/);
  });
});
