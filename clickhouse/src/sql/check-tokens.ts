import { StoreError } from '../errors.ts';
import { checkParamType } from './param-types.ts';
import { isOp, isWord, type Token } from './tokenize.ts';
import { RESERVED_PREFIX } from './views.ts';
export type { SqlParam } from '@periscope/contract/api';
import type { SqlParam } from '@periscope/contract/api';

const reject = (message: string): never => {
  throw new StoreError('sql_rejected', message);
};

const CLOSING: Readonly<Record<string, string>> = { ')': '(', ']': '[' };

/**
 * What the text alone can tell, before the engine parses it: the statement starts like a
 * SELECT, its brackets pair up (so nothing in it can close the parenthesis the sandbox wraps
 * it in), no reserved name, and clear refusals for what users try first (SETTINGS, FORMAT,
 * INTO OUTFILE, system tables). The `{name:Type}` parameters it declares must have data types
 * (never Identifier, which the engine substitutes as a name). The security checks proper run
 * on the engine's query tree (check-scopes.ts); these make their refusals readable.
 */
export function checkTokens(tokens: Token[]): SqlParam[] {
  if (tokens.length === 0) reject('The query is empty.');
  if (!isWord(tokens[0], 'SELECT', 'WITH') && !isOp(tokens[0], '(')) reject('Only SELECT queries are allowed (WITH ... SELECT and subqueries too).');

  const params: SqlParam[] = [];
  const open: string[] = [];
  for (const [i, t] of tokens.entries()) {
    const next = tokens[i + 1];
    if (t.kind === 'op' && (t.text === '(' || t.text === '[')) open.push(t.text);
    if (t.kind === 'op' && CLOSING[t.text] !== undefined && open.pop() !== CLOSING[t.text]) reject('Unbalanced parentheses.');
    if (isWord(t, 'SETTINGS')) reject('SETTINGS clauses are not allowed: the server sets the limits of report queries.');
    if (isWord(t, 'INTO', 'OUTFILE')) reject('INTO OUTFILE is not allowed: use the export buttons or /api/sql/export.');
    if (isWord(t, 'FORMAT') && !isOp(next, '(')) reject('FORMAT clauses are not allowed: choose the export format instead.');
    if ((t.kind === 'word' || t.kind === 'quoted') && t.text.toLowerCase().startsWith(RESERVED_PREFIX)) {
      reject(`Names starting with "${RESERVED_PREFIX}" are reserved.`);
    }
    if ((isWord(t, 'system', 'information_schema') || (t.kind === 'quoted' && /^(system|information_schema)$/i.test(t.text))) && isOp(next, '.')) {
      reject('System tables and information_schema are not available to reports; query requests, requests_1m or requests_1h.');
    }
    if (t.kind === 'quoted' && isOp(next, '(')) reject('Function names cannot be quoted.');
    if (t.kind === 'param') params.push(parseParam(t.text));
  }
  if (open.length !== 0) reject('Unbalanced parentheses.');
  return params;
}

function parseParam(text: string): SqlParam {
  const colon = text.indexOf(':');
  const name = text.slice(0, colon).trim();
  if (name.toLowerCase().startsWith(RESERVED_PREFIX)) reject(`Parameter names starting with "${RESERVED_PREFIX}" are reserved.`);
  const type = text.slice(colon + 1).trim();
  checkParamType(name, type);
  return { name, type };
}
