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
    ['SELECT 1 AS "a.b"', /may not contain/],
    ['SELECT 1 AS `x, identifier: accounts`', /may not contain/],
    ['SELECT 1 AS "a: b"', /may not contain/],
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
    ['SELECT [1)', /Unbalanced/],
    ['SELECT (1]', /Unbalanced/],
    ['SELECT 1) UNION ALL (SELECT 2', /Unbalanced/],
    ['SELECT * FROM {t:Identifier}', /Identifier and other name types are not allowed/],
    ['SELECT * FROM {d:Identifier}.{t:Identifier}', /Identifier/],
    ['SELECT {x:Array(Identifier)}', /Identifier/],
    ['SELECT {x:Nullable(Strin)}', /data types/],
    ['SELECT {x:Tuple(a String)}', /data types/],
  ])('refuses %j', (sql, why) => {
    expect(rejected(sql)).toMatch(why);
  });

  it('lists the parameters, each with a data type', () => {
    const sql = `WITH recent AS (SELECT * FROM requests WHERE created_at > {from:DateTime}) SELECT * FROM recent
      WHERE model = {model: String} AND cost_usd > {c:Decimal(10, 2)} AND at < {t:DateTime64(3, 'UTC')} AND tz = {z:DateTime('Asia_Tokyo')}
      AND id IN {ids:Array(Nullable(UInt64))} AND m = {m:Map(String, Array(LowCardinality(String)))} AND f = {f:FixedString(4)}`;
    expect(checkTokens(tokenize(sql).tokens)).toEqual([
      { name: 'from', type: 'DateTime' }, { name: 'model', type: 'String' }, { name: 'c', type: 'Decimal(10, 2)' },
      { name: 't', type: "DateTime64(3, 'UTC')" }, { name: 'z', type: "DateTime('Asia_Tokyo')" }, { name: 'ids', type: 'Array(Nullable(UInt64))' },
      { name: 'm', type: 'Map(String, Array(LowCardinality(String)))' }, { name: 'f', type: 'FixedString(4)' },
    ]);
  });
});
