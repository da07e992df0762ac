import { StoreError } from '../errors.ts';
import { isWord, type Token } from './tokenize.ts';
import { PROJECTS_PARAM, viewNamed } from './views.ts';

/** Words that may follow a table name without being its alias. */
const NOT_AN_ALIAS = [
  'FINAL', 'SAMPLE', 'WHERE', 'PREWHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT', 'WINDOW', 'QUALIFY', 'UNION', 'INTERSECT',
  'EXCEPT', 'JOIN', 'INNER', 'LEFT', 'RIGHT', 'FULL', 'CROSS', 'OUTER', 'ANY', 'ALL', 'ASOF', 'SEMI', 'ANTI', 'ARRAY',
  'GLOBAL', 'LOCAL', 'PASTE', 'ON', 'USING', 'OFFSET', 'SELECT',
];

/**
 * Replaces each view name in a table position with a call of its parameterized view bound to
 * the projects parameter, which only the server sets. Only the validated name tokens are
 * replaced, with text of the server's own; the user's text around them is kept as written.
 * `FROM requests` keeps answering to `requests.model` through an alias of the same name.
 *
 * The positions found in the text must be exactly the tables the engine parsed: a name the
 * scan would map that the engine does not read as a table, or the reverse, refuses the query.
 */
export function bindViews(sql: string, tokens: Token[], refs: Token[], engineTables: Set<string>): string {
  const refNames = new Set(refs.map((r) => r.text));
  for (const name of engineTables) {
    if (!refNames.has(name)) throw new StoreError('sql_rejected', `Could not locate the table ${name} in the query text; write it as FROM ${name} or JOIN ${name}.`);
  }
  for (const name of refNames) {
    if (!engineTables.has(name)) throw new StoreError('sql_rejected', `"${name}" is not used as a table here; the query could not be checked.`);
  }

  let out = '';
  let at = 0;
  for (const ref of [...refs].sort((a, b) => a.start - b.start)) {
    const view = viewNamed(ref.text);
    if (!view) continue;
    const next = tokens[tokens.indexOf(ref) + 1];
    const aliased = isWord(next, 'AS') || (next?.kind === 'word' && !isWord(next, ...NOT_AN_ALIAS)) || next?.kind === 'quoted';
    out += sql.slice(at, ref.start);
    out += `${view.engineView}(${PROJECTS_PARAM} = {${PROJECTS_PARAM}:Array(String)})${aliased ? '' : ` AS ${view.name}`}`;
    at = ref.end;
  }
  return out + sql.slice(at);
}
