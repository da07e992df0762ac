import { StoreError } from '../errors.ts';
import { SQL_VIEWS } from './views.ts';

const TABLE = /^\s*TABLE id: /;
const TABLE_FUNCTION = /^\s*TABLE_FUNCTION id: /;
const name = (line: string, field: string) => new RegExp(`\\b${field}: ([^,\\s]+)`).exec(line)?.[1] ?? '(unnamed)';

/**
 * The last word goes to the engine: `EXPLAIN QUERY TREE` of the bound statement lists every
 * table and table function the analyzer resolved (CTEs and `IN name` included), and each
 * must be one of the scoped views, `system.one` (a SELECT without FROM) or numbers(). A raw
 * table here means a name slipped past the binding, and the query does not run.
 */
export function checkResolvedTables(queryTree: string, database: string): void {
  const allowed = new Set([...SQL_VIEWS.map((v) => `${database}.${v.engineView}`), 'system.one']);
  for (const line of queryTree.split('\n')) {
    if (TABLE.test(line)) {
      const table = name(line, 'table_name');
      if (!allowed.has(table)) throw new StoreError('sql_rejected', `The query reads ${table}, which reports may not read.`);
    }
    if (TABLE_FUNCTION.test(line)) {
      const fn = name(line, 'table_function_name');
      if (fn !== 'numbers') throw new StoreError('sql_rejected', `Table function ${fn}() is not allowed.`);
    }
  }
}
