import { StoreError } from '../errors.ts';
import { isOp, isWord, type Token } from './tokenize.ts';
import { RESERVED_PREFIX } from './views.ts';

const reject = (message: string): never => {
  throw new StoreError('sql_rejected', message);
};

/** A named parameter the statement uses, `{from:DateTime}` → { name: 'from', type: 'DateTime' }. */
export interface SqlParam {
  name: string;
  type: string;
}

export interface TokenFacts {
  /** Unquoted, unqualified names in a table position (after FROM, JOIN, or a comma of a FROM list). */
  tableRefs: Token[];
  /** Names the statement defines with `name AS (SELECT ...)`. */
  cteNames: Set<string>;
  params: SqlParam[];
}

/** Words that end a FROM list. */
const CLAUSE_WORDS = ['WHERE', 'PREWHERE', 'GROUP', 'ORDER', 'HAVING', 'LIMIT', 'WINDOW', 'QUALIFY', 'UNION', 'INTERSECT', 'EXCEPT', 'SELECT', 'OFFSET'];

/**
 * The checks that need the text rather than the parse: the statement shape, clauses that
 * would override the server (SETTINGS, FORMAT, INTO OUTFILE), reserved names, and where the
 * table names are so they can be mapped onto the scoped views.
 */
export function checkTokens(tokens: Token[]): TokenFacts {
  if (tokens.length === 0) reject('The query is empty.');
  if (!isWord(tokens[0], 'SELECT', 'WITH') && !isOp(tokens[0], '(')) reject('Only SELECT queries are allowed (WITH ... SELECT and subqueries too).');

  const params: SqlParam[] = [];
  let depth = 0;
  for (const [i, t] of tokens.entries()) {
    const next = tokens[i + 1];
    if (t.kind === 'op' && (t.text === '(' || t.text === '[')) depth += 1;
    if (t.kind === 'op' && (t.text === ')' || t.text === ']')) {
      depth -= 1;
      if (depth < 0) reject('Unbalanced parentheses.');
    }
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
  if (depth !== 0) reject('Unbalanced parentheses.');
  return { tableRefs: findTableRefs(tokens), cteNames: findCteNames(tokens), params };
}

function parseParam(text: string): SqlParam {
  const colon = text.indexOf(':');
  const name = text.slice(0, colon).trim();
  if (name.toLowerCase().startsWith(RESERVED_PREFIX)) reject(`Parameter names starting with "${RESERVED_PREFIX}" are reserved.`);
  return { name, type: text.slice(colon + 1).trim() };
}

interface Frame {
  /** The parentheses hold a query (or this is the statement), so FROM starts a FROM list. */
  query: boolean;
  inFrom: boolean;
  /** After ARRAY JOIN, ON or USING: commas separate expressions, not tables. */
  inExpressions: boolean;
}

/**
 * Table positions by a scan that tracks, per level of parentheses, whether it is inside a
 * FROM list: `EXTRACT(DAY FROM x)` is not one (its parentheses hold no query). The result is
 * checked against the engine's parse (TableIdentifier nodes), so a misreading here refuses
 * the query rather than letting a table through.
 */
function findTableRefs(tokens: Token[]): Token[] {
  const refs: Token[] = [];
  const stack: Frame[] = [{ query: true, inFrom: false, inExpressions: false }];
  for (const [i, t] of tokens.entries()) {
    const frame = stack[stack.length - 1]!;
    const prev = tokens[i - 1];
    if (isOp(t, '(') || isOp(t, '[')) {
      stack.push({ query: isWord(tokens[i + 1], 'SELECT', 'WITH'), inFrom: false, inExpressions: false });
      continue;
    }
    if (isOp(t, ')') || isOp(t, ']')) {
      stack.pop();
      continue;
    }
    if (!frame.query) continue;
    if (isWord(t, 'FROM')) {
      frame.inFrom = true;
      frame.inExpressions = false;
    } else if (isWord(t, ...CLAUSE_WORDS)) {
      frame.inFrom = false;
    } else if (frame.inFrom && isWord(t, 'JOIN')) {
      frame.inExpressions = isWord(prev, 'ARRAY');
    } else if (frame.inFrom && isWord(t, 'ON', 'USING')) {
      frame.inExpressions = true;
    }
    const tablePosition = frame.inFrom && (isWord(prev, 'FROM') || (isWord(prev, 'JOIN') && !frame.inExpressions) || (isOp(prev, ',') && !frame.inExpressions));
    if (tablePosition && t.kind === 'word' && !isOp(tokens[i + 1], '(') && !isOp(tokens[i + 1], '.')) refs.push(t);
    if (tablePosition && t.kind === 'quoted') reject('Table names cannot be quoted.');
  }
  return refs;
}

/** `name AS (SELECT ...)`: only valid in a WITH clause, where it names a subquery. */
function findCteNames(tokens: Token[]): Set<string> {
  const names = new Set<string>();
  for (const [i, t] of tokens.entries()) {
    if (t.kind === 'word' && isWord(tokens[i + 1], 'AS') && isOp(tokens[i + 2], '(') && isWord(tokens[i + 3], 'SELECT', 'WITH')) names.add(t.text);
  }
  return names;
}
