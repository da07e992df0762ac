import { StoreError } from '../errors.ts';

export type TokenKind = 'word' | 'quoted' | 'string' | 'number' | 'op' | 'param';

export interface Token {
  kind: TokenKind;
  /** The text as written (for `quoted`: without the quotes; for `param`: `name:Type`). */
  text: string;
  /** Offsets into the canonical SQL. */
  start: number;
  end: number;
}

export interface TokenizedSql {
  /** The statement with comments blanked out and a trailing `;` removed: what the engine is given. */
  sql: string;
  tokens: Token[];
}

const MAX_SQL_LENGTH = 100_000;
const WORD = /[A-Za-z0-9_]/;
// Longest first, so `::` wins over `:` and `<=` over `<`.
const OPERATORS = ['::', '->', '||', '<=', '>=', '!=', '<>', '==', '(', ')', '[', ']', ',', '.', '+', '-', '*', '/', '%', '=', '<', '>', '?', ':', '{', '}'];
/** Control and format characters (zero-width joiners, bidi overrides) make a name read differently than it runs. */
const INVISIBLE = /[\p{C}]/u;

/**
 * A lexer for the subset of ClickHouse SQL a report may use. It exists because the engine's
 * own parser (EXPLAIN AST) does not say where anything is, and because whatever it cannot
 * be sure about is refused before the engine sees the text: comments are blanked out (so a
 * comment cannot hide code from this lexer yet show it to the engine, or the reverse), and
 * outside string literals only printable ASCII is accepted (no look-alike letters, no
 * invisible characters).
 */
export function tokenize(input: string): TokenizedSql {
  if (input.length > MAX_SQL_LENGTH) throw new StoreError('sql_rejected', `The query is longer than ${MAX_SQL_LENGTH} characters.`);
  let sql = '';
  const tokens: Token[] = [];
  let i = 0;
  const n = input.length;
  const fail = (why: string): never => {
    throw new StoreError('sql_rejected', `${why} (at character ${i + 1}).`);
  };

  while (i < n) {
    const c = input[i]!;
    const next = input[i + 1];
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      sql += c;
      i += 1;
    } else if (c === '-' && next === '-') {
      const end = input.indexOf('\n', i);
      const stop = end < 0 ? n : end;
      sql += ' '.repeat(stop - i);
      i = stop;
    } else if (c === '/' && next === '*') {
      const close = input.indexOf('*/', i + 2);
      if (close < 0) fail('Unclosed /* comment');
      // The engine nests block comments; refusing nesting keeps both readings the same.
      if (input.slice(i + 2, close).includes('/*')) fail('Nested /* comments are not allowed');
      sql += ' '.repeat(close + 2 - i);
      i = close + 2;
    } else if (c === "'") {
      const end = closingQuote(input, i, "'");
      if (end < 0) fail('Unclosed string literal');
      push('string', input.slice(i, end + 1), input.slice(i, end + 1));
      i = end + 1;
    } else if (c === '"' || c === '`') {
      const end = closingQuote(input, i, c);
      if (end < 0) fail('Unclosed quoted identifier');
      const name = input.slice(i + 1, end);
      if (name.includes('\\') || name.includes(c) || INVISIBLE.test(name) || name.length === 0 || name.length > 128) {
        fail('A quoted name may not be empty, longer than 128 characters, or contain escapes, quotes or invisible characters');
      }
      // The engine prints names unquoted in the query tree the sandbox reads, where these would
      // read as separators: `a.b` as a qualified name, `, x: y` as another attribute.
      if (/[.,:]/.test(name)) fail('A quoted name may not contain ".", "," or ":"');
      push('quoted', name, input.slice(i, end + 1));
      i = end + 1;
    } else if (/[0-9]/.test(c) || (c === '.' && next !== undefined && /[0-9]/.test(next) && !endsWithName())) {
      let j = i + 1;
      while (j < n) {
        const d = input[j]!;
        const sign = (d === '+' || d === '-') && /[eEpP]/.test(input[j - 1]!) && !/^0[xX]/.test(input.slice(i, j));
        if (WORD.test(d) || d === '.' || sign) j += 1;
        else break;
      }
      push('number', input.slice(i, j), input.slice(i, j));
      i = j;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && WORD.test(input[j]!)) j += 1;
      push('word', input.slice(i, j), input.slice(i, j));
      i = j;
    } else if (c === '{' && /^\{\s*[A-Za-z_][A-Za-z0-9_]*\s*:/.test(input.slice(i, i + 200))) {
      const close = input.indexOf('}', i);
      if (close < 0) fail('Unclosed {name:Type} parameter');
      const body = input.slice(i + 1, close);
      if (!/^\s*[A-Za-z_][A-Za-z0-9_]*\s*:\s*[A-Za-z0-9_(), ']+$/.test(body)) fail('A parameter is written {name:Type}, e.g. {from:DateTime}');
      push('param', body.replace(/\s+/g, ' ').trim(), input.slice(i, close + 1));
      i = close + 1;
    } else if (c === ';') {
      if (input.slice(i + 1).replace(/--[^\n]*|\/\*[\s\S]*?\*\/|\s/g, '') !== '') fail('Only one statement is allowed: remove the ";"');
      sql += ' ';
      i += 1;
    } else {
      const op = OPERATORS.find((o) => input.startsWith(o, i));
      if (!op) {
        if (c === '#') fail('Use -- for comments');
        if (c === '$') fail('Heredoc strings ($$...$$) are not allowed; use \'...\'');
        if (c.charCodeAt(0) > 0x7e || c.charCodeAt(0) < 0x20) fail(`Unexpected character U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')} outside a string literal`);
        fail(`Unexpected character "${c}"`);
      }
      push('op', op!, op!);
      i += op!.length;
    }
  }
  return { sql: sql.trimEnd(), tokens };

  function push(kind: TokenKind, text: string, raw: string) {
    tokens.push({ kind, text, start: sql.length, end: sql.length + raw.length });
    sql += raw;
  }
  /** `t.1` is a tuple element, not the number `.1`. */
  function endsWithName(): boolean {
    const last = tokens[tokens.length - 1];
    return last !== undefined && last.end === sql.length && (last.kind === 'word' || last.kind === 'quoted' || (last.kind === 'op' && (last.text === ')' || last.text === ']')));
  }
}

/**
 * The index of the quote that closes the literal opened at `start`. Like the engine's lexer:
 * a backslash escapes the next character and a doubled quote stands for itself.
 */
function closingQuote(input: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < input.length) {
    const c = input[i];
    if (c === '\\') i += 2;
    else if (c === quote) {
      if (input[i + 1] === quote) i += 2;
      else return i;
    } else i += 1;
  }
  return -1;
}

export const isWord = (t: Token | undefined, ...words: string[]): boolean =>
  t !== undefined && t.kind === 'word' && words.some((w) => w.toUpperCase() === t.text.toUpperCase());

export const isOp = (t: Token | undefined, op: string): boolean => t !== undefined && t.kind === 'op' && t.text === op;
