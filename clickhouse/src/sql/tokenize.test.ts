import { describe, expect, it } from 'vitest';
import { StoreError } from '../errors.ts';
import { checkTokens } from './check-tokens.ts';
import { tokenize } from './tokenize.ts';

const rejected = (sql: string): string => {
  try {
    checkTokens(tokenize(sql).tokens);
  } catch (err) {
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('sql_rejected');
    return (err as Error).message;
  }
  throw new Error(`not rejected: ${sql}`);
};
const refs = (sql: string) => checkTokens(tokenize(sql).tokens).tableRefs.map((t) => t.text);

describe('tokenize', () => {
  it('blanks comments out, keeping every offset', () => {
    const input = "SELECT 1 -- a ; comment\n/* DROP; */ FROM requests;";
    const { sql, tokens } = tokenize(input);
    expect(sql).toBe("SELECT 1               \n            FROM requests");
    expect(tokens.map((t) => t.text)).toEqual(['SELECT', '1', 'FROM', 'requests']);
    for (const t of tokens) expect(sql.slice(t.start, t.end)).toBe(t.text);
  });

  it('reads strings the way the engine does: backslash escapes and doubled quotes', () => {
    const { tokens } = tokenize("SELECT 'a\\' -- still a string', 'it''s', x");
    expect(tokens.map((t) => t.kind)).toEqual(['word', 'string', 'op', 'string', 'op', 'word']);
  });

  it('keeps numbers, tuple access and parameters apart', () => {
    const { tokens } = tokenize('SELECT 1e-5, 0x1F, t.1, .5, {from:DateTime}, {ids:Array(String)}');
    expect(tokens.filter((t) => t.kind === 'number').map((t) => t.text)).toEqual(['1e-5', '0x1F', '1', '.5']);
    expect(tokens.filter((t) => t.kind === 'param').map((t) => t.text)).toEqual(['from:DateTime', 'ids:Array(String)']);
  });

  it.each([
    ['SELECT 1; SELECT 2', /one statement/],
    ['SELECT 1 /* unclosed', /Unclosed/],
    ['SELECT 1 /* a /* nested */ */', /Nested/],
    ["SELECT 'unclosed", /Unclosed string/],
    ['SELECT 1 # comment', /Use --/],
    ['SELECT $$x$$', /Heredoc/],
    ['SELECT ｆile(1)', /U\+FF46/],
    ['SELECT\u200b1', /U\+200B/],
    ['SELECT "a\u202eb"', /invisible/],
    ['SELECT "a\nb"', /invisible/],
  ])('refuses %j', (sql, why) => {
    expect(rejected(sql)).toMatch(why);
  });

  it('accepts a trailing semicolon and comment, and unicode inside literals and quoted aliases', () => {
    expect(tokenize("SELECT '日本語 👋' AS \"费用 合计\"; -- done").sql).toBe("SELECT '日本語 👋' AS \"费用 合计\"");
  });
});

describe('checkTokens', () => {
  it.each([
    ['SELECT 1 SETTINGS readonly = 0', /SETTINGS/],
    ['SELECT 1 FORMAT JSON', /FORMAT/],
    ["SELECT 1 INTO OUTFILE '/tmp/x'", /INTO OUTFILE/],
    ['SELECT * FROM periscope_sql_requests', /reserved/],
    ['SELECT * FROM `periscope_sql_requests`', /reserved/],
    ['SELECT {periscope_projects:Array(String)}', /reserved/],
    ['SELECT * FROM system.tables', /System tables/],
    ['SELECT * FROM "system"."tables"', /System tables/],
    ['SELECT * FROM INFORMATION_SCHEMA.TABLES', /System tables/],
    ['INSERT INTO requests VALUES (1)', /Only SELECT/],
    ['DROP TABLE requests', /Only SELECT/],
    ['SELECT (1', /Unbalanced/],
    ['SELECT `file`(1)', /cannot be quoted/],
    ['SELECT * FROM "requests"', /Table names cannot be quoted/],
  ])('refuses %j', (sql, why) => {
    expect(rejected(sql)).toMatch(why);
  });

  it('finds the table positions, not columns or EXTRACT(... FROM ...)', () => {
    expect(refs('SELECT requests, EXTRACT(DAY FROM created_at) FROM requests AS r, requests_1m JOIN requests_1h h ON r.model = h.model')).toEqual([
      'requests', 'requests_1m', 'requests_1h',
    ]);
    // After ON, a comma separates expressions: a table there is not found, and the engine's parse then refuses the query.
    expect(refs('SELECT 1 FROM requests AS r JOIN requests_1h h ON r.model = h.model, requests_1m')).toEqual(['requests', 'requests_1h']);
    expect(refs('WITH x AS (SELECT * FROM requests) SELECT * FROM x WHERE model IN (SELECT model FROM requests_1h)')).toEqual(['requests', 'x', 'requests_1h']);
    expect(refs('SELECT a FROM requests ARRAY JOIN [1, 2] AS a, [3] AS b')).toEqual(['requests']);
    expect(refs('SELECT * FROM numbers(10)')).toEqual([]);
  });

  it('lists parameters and WITH subquery names', () => {
    const facts = checkTokens(tokenize('WITH recent AS (SELECT * FROM requests WHERE created_at > {from:DateTime}) SELECT * FROM recent WHERE model = {model: String}').tokens);
    expect(facts.params).toEqual([{ name: 'from', type: 'DateTime' }, { name: 'model', type: 'String' }]);
    expect([...facts.cteNames]).toEqual(['recent']);
  });
});
