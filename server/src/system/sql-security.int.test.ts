import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeEvent } from '@periscope/clickhouse/testing';
import { apiRequest, newAccount, type ApiAnswer } from '../testing/api-client.ts';
import { startGatewayHarness, type GatewayHarness } from '../testing/gateway-harness.ts';

/**
 * The security matrix of the SQL console: project A's member runs every attack, through the
 * grid and through an export, while project B holds canary rows. Each attack must come back
 * with the error that names it, never with B's canary, and must leave no trace: the loopback
 * canary server sees no request, no file is written, no table is dropped.
 */
let h: GatewayHarness;
let canaryServer: Server;
let canaryUrl: string;
const canaryHits: string[] = [];
let A: string;
let B: string;
const CANARY = `canary${Date.now().toString(36)}`;
let member: { cookie: string };
const OUTFILE = `/tmp/periscope-sql-outfile-${process.pid}`;

beforeAll(async () => {
  canaryServer = createServer((req, res) => {
    canaryHits.push(`${req.method} ${req.url}`);
    res.end(`${CANARY}-from-url\n`);
  });
  await new Promise<void>((resolve) => canaryServer.listen(0, '127.0.0.1', resolve));
  canaryUrl = `http://127.0.0.1:${(canaryServer.address() as { port: number }).port}/secret`;

  // The matrix sends a few hundred queries; the per-minute allowance has a test of its own.
  // A short time limit, so the query that would run for hours is stopped within the test.
  h = await startGatewayHarness(undefined, { config: () => ({ reports: { queries_per_minute: 100_000, max_execution_seconds: 2, export_max_execution_seconds: 2 } }) });
  A = (await h.newProject()).project;
  B = (await h.newProject()).project;
  await h.server.store.insertRequests([
    makeEvent({ project_id: A, model: 'gpt-4o', cost_usd: 1 }),
    makeEvent({ project_id: B, model: `${CANARY}-model`, user_id: CANARY, error_message: CANARY, properties: { team: CANARY }, cost_usd: 1000 }),
  ]);
  member = await newAccount(h.url, 'member', [A]);
}, 120_000);

afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => canaryServer?.close(resolve));
});

const sql = (query: string, o: { project?: string; params?: Record<string, unknown> } = {}) =>
  apiRequest<{ error?: { code: string; message: string }; data?: unknown[] }>(h.url, 'POST', `/api/sql${o.project ? `?project=${o.project}` : ''}`, member, { sql: query, params: o.params });
const exportCsv = (query: string) => apiRequest(h.url, 'POST', '/api/sql/export', member, { sql: query, format: 'csv' });

function expectNoCanary(res: ApiAnswer) {
  expect(res.text).not.toContain(CANARY);
}

type Attack = [name: string, query: string, code: 'sql_rejected' | 'sql_failed' | 'sql_limit_exceeded', why: RegExp];

const ATTACKS = (): Attack[] => [
  // SETTINGS overrides, anywhere in the statement.
  ['SETTINGS readonly = 0', 'SELECT * FROM requests SETTINGS readonly = 0', 'sql_rejected', /SETTINGS clauses are not allowed/],
  ['SETTINGS in a subquery', 'SELECT * FROM (SELECT * FROM requests SETTINGS max_execution_time = 0)', 'sql_rejected', /SETTINGS/],
  ['SET statement', 'SET readonly = 0', 'sql_rejected', /Only SELECT/],
  // Functions that read settings, the environment, files, other tables.
  ['getSetting', "SELECT getSetting('readonly')", 'sql_rejected', /getSetting\(\) is not allowed/],
  ['getServerSetting', "SELECT getServerSetting('path')", 'sql_rejected', /getServerSetting\(\) is not allowed/],
  ['getMacro', "SELECT getMacro('shard')", 'sql_rejected', /getMacro\(\) is not allowed/],
  ['currentUser / hostName', 'SELECT currentUser(), hostName()', 'sql_rejected', /is not allowed/],
  ['file() as a function', "SELECT file('/etc/passwd')", 'sql_rejected', /file\(\) is not allowed/],
  ['file() in a lambda', "SELECT arrayMap(x -> file(x), ['/etc/passwd'])", 'sql_rejected', /file\(\) is not allowed/],
  ['APPLY(file)', "SELECT * APPLY(file) FROM (SELECT '/etc/passwd' AS p)", 'sql_rejected', /APPLY is not allowed/],
  ['joinGet', "SELECT joinGet('gateway_keys', 'key_hash', 'x')", 'sql_rejected', /joinGet\(\) is not allowed/],
  ['dictGet', "SELECT dictGet('d', 'x', 1)", 'sql_rejected', /dictGet\(\) is not allowed/],
  // Table functions.
  ["file('/etc/passwd')", "SELECT * FROM file('/etc/passwd', 'LineAsString')", 'sql_rejected', /Table function file\(\) is not allowed/],
  ['FILE in capitals', "SELECT * FROM FILE('/etc/passwd', 'LineAsString')", 'sql_rejected', /Table function FILE\(\) is not allowed/],
  ['url() to the canary server', `SELECT * FROM url('${canaryUrl}', 'LineAsString')`, 'sql_rejected', /Table function url\(\) is not allowed/],
  ['url() in a subquery', `SELECT count() FROM requests WHERE model IN (SELECT * FROM url('${canaryUrl}', 'LineAsString'))`, 'sql_rejected', /url\(\) is not allowed/],
  ['s3()', `SELECT * FROM s3('${canaryUrl}', 'LineAsString')`, 'sql_rejected', /s3\(\) is not allowed/],
  ['remote()', "SELECT * FROM remote('127.0.0.1:9000', default.requests)", 'sql_rejected', /remote\(\) is not allowed/],
  ['executable()', "SELECT * FROM executable('cat /etc/passwd', 'LineAsString', 'x String')", 'sql_rejected', /executable\(\) is not allowed/],
  ['mergeTreeIndex()', "SELECT * FROM mergeTreeIndex('default', 'requests')", 'sql_rejected', /mergeTreeIndex\(\) is not allowed/],
  ['merge()', "SELECT * FROM merge('default', '.*')", 'sql_rejected', /merge\(\) is not allowed/],
  ['view()', 'SELECT * FROM view(SELECT * FROM gateway_keys)', 'sql_rejected', /view\(\) is not allowed/],
  ['the engine view with other projects', `SELECT * FROM periscope_sql_requests(periscope_projects = ['${B}'])`, 'sql_rejected', /reserved/],
  ['the view name called with arguments', `SELECT * FROM requests(periscope_projects = ['${B}'])`, 'sql_rejected', /reserved|Table function requests\(\)/],
  // System tables and other tables of the database.
  ['system.tables', 'SELECT * FROM system.tables', 'sql_rejected', /System tables/],
  ['system in a scalar subquery', 'SELECT (SELECT count() FROM system.tables)', 'sql_rejected', /System tables/],
  ['information_schema', 'SELECT * FROM information_schema.tables', 'sql_rejected', /information_schema/],
  ['INFORMATION_SCHEMA', 'SELECT * FROM INFORMATION_SCHEMA.COLUMNS', 'sql_rejected', /information_schema/],
  ['a raw table', 'SELECT * FROM gateway_keys', 'sql_rejected', /Unknown table gateway_keys/],
  ['the raw rollup', 'SELECT * FROM requests_rollup_1h', 'sql_rejected', /Unknown table requests_rollup_1h/],
  ['db-qualified requests', 'SELECT * FROM default.requests', 'sql_rejected', /database-qualified/],
  ['quoted db-qualified requests', 'SELECT * FROM `default`.`requests`', 'sql_rejected', /database-qualified/],
  ['a dot inside a quoted name', 'SELECT * FROM `default.requests`', 'sql_rejected', /may not contain/],
  ['a raw table in a join', 'SELECT * FROM requests AS r, gateway_keys AS k', 'sql_rejected', /Unknown table gateway_keys/],
  ['a raw table in UNION', 'SELECT key_hash FROM gateway_keys UNION ALL SELECT model FROM requests', 'sql_rejected', /Unknown table gateway_keys/],
  ['IN a raw table', 'SELECT * FROM requests WHERE project_id IN schema_migrations', 'sql_rejected', /IN needs a list or a subquery/],
  ['a CTE shadowing the view', 'WITH requests AS (SELECT * FROM gateway_keys) SELECT * FROM requests', 'sql_rejected', /cannot be named requests/],
  // Several statements, DDL and DML.
  ['two statements', 'SELECT 1; SELECT * FROM system.tables', 'sql_rejected', /one statement/],
  ['a DROP after a SELECT', 'SELECT 1; DROP TABLE requests', 'sql_rejected', /one statement/],
  ['DROP', 'DROP TABLE requests', 'sql_rejected', /Only SELECT/],
  ['INSERT', `INSERT INTO requests (project_id) VALUES ('${A}')`, 'sql_rejected', /Only SELECT/],
  ['ALTER DELETE', 'ALTER TABLE requests DELETE WHERE 1', 'sql_rejected', /Only SELECT/],
  ['CREATE', 'CREATE TABLE x (a Int8) ENGINE = Memory', 'sql_rejected', /Only SELECT/],
  ['TRUNCATE', 'TRUNCATE TABLE requests', 'sql_rejected', /Only SELECT/],
  ['SYSTEM', 'SYSTEM DROP MARK CACHE', 'sql_rejected', /Only SELECT/],
  ['GRANT', 'GRANT ALL ON *.* TO default', 'sql_rejected', /Only SELECT/],
  ['INTO OUTFILE', `SELECT * FROM requests INTO OUTFILE '${OUTFILE}'`, 'sql_rejected', /INTO OUTFILE/],
  ['FORMAT', 'SELECT * FROM requests FORMAT JSON', 'sql_rejected', /FORMAT/],
  ['EXPLAIN', 'EXPLAIN SELECT 1', 'sql_rejected', /Only SELECT/],
  // Resource limits.
  ['numbers(1e12)', 'SELECT count() FROM numbers(1e12)', 'sql_limit_exceeded', /max_rows_to_read/],
  ['a cross join that would run for hours', 'SELECT count() FROM numbers(100000) AS a CROSS JOIN numbers(100000) AS b', 'sql_limit_exceeded', /longer than the 2 s limit \(max_execution_time\)/],
  ['parameters that name the projects', 'SELECT {periscope_projects:Array(String)}', 'sql_rejected', /reserved/],
  // Comment tricks.
  ['a statement hidden after a comment', 'SELECT 1 /* ; */ ; DROP TABLE requests', 'sql_rejected', /one statement/],
  ['a line comment before a second statement', 'SELECT 1 -- comment\n; SELECT * FROM system.tables', 'sql_rejected', /one statement/],
  ['a comment inside a table name', 'SELECT * FROM gate/**/way_keys', 'sql_rejected', /.+/],
  ['a nested comment', 'SELECT 1 /* /* */ FROM system.tables */', 'sql_rejected', /Nested/],
  ['a DROP behind a comment', '/* SELECT */ DROP TABLE requests', 'sql_rejected', /Only SELECT/],
  ['a # comment', 'SELECT 1 # ; DROP TABLE requests', 'sql_rejected', /Use --/],
  ['a heredoc', 'SELECT $$; DROP TABLE requests$$', 'sql_rejected', /Heredoc/],
  // Unicode tricks.
  ['full-width letters', 'ＳＥＬＥＣＴ * FROM requests', 'sql_rejected', /U\+FF33/],
  ['a full-width function name', "SELECT * FROM ｆile('/etc/passwd')", 'sql_rejected', /U\+FF46/],
  ['a Cyrillic e in requests', 'SELECT * FROM r\u0435quests', 'sql_rejected', /U\+0435/],
  ['a zero-width joiner in a name', 'SELECT * FROM gateway\u200dkeys', 'sql_rejected', /U\+200D/],
  ['non-breaking spaces', 'SELECT\u00a0*\u00a0FROM\u00a0gateway_keys', 'sql_rejected', /U\+00A0/],
  ['an invisible character in a quoted name', 'SELECT 1 AS "gateway\u200bkeys"', 'sql_rejected', /invisible/],
  ['a right-to-left override in a quoted name', 'SELECT 1 AS "a\u202eb"', 'sql_rejected', /invisible/],
  ['an escape in a quoted name', 'SELECT * FROM `gate\\x77ay_keys`', 'sql_rejected', /escapes/],
];

describe('SQL console security matrix', () => {
  it.each(ATTACKS().map((a) => [a[0], a] as const))('%s', async (_name, [, query, code, why]) => {
    for (const res of [await sql(query), await sql(query, { project: A })]) {
      expect(res.status, res.text).toBe(400);
      expect(res.body.error?.code, res.text).toBe(code);
      expect(res.body.error?.message).toMatch(why);
      expectNoCanary(res);
    }
    const exported = await exportCsv(query);
    expect(exported.status, exported.text).toBe(400);
    expectNoCanary(exported);
  });

  it('a member cannot name the other project', async () => {
    const res = await sql('SELECT count() FROM requests', { project: B });
    expect(res.status).toBe(403);
    expectNoCanary(res);
  });

  it('filters naming the other project, or every project, come back empty', async () => {
    const queries = [
      `SELECT * FROM requests WHERE project_id = '${B}'`,
      `SELECT * FROM requests WHERE user_id = '${CANARY}' OR properties['team'] = '${CANARY}'`,
      `SELECT * FROM requests_1h WHERE project_id = '${B}'`,
      `SELECT * FROM requests_1m WHERE model LIKE '%${CANARY}%'`,
      `SELECT * FROM requests AS r FULL OUTER JOIN requests_1h AS h ON r.model = h.model WHERE h.project_id = '${B}'`,
    ];
    for (const query of queries) {
      const res = await sql(query);
      expect(res.status, `${query}: ${res.text}`).toBe(200);
      expect(res.body.data, query).toEqual([]);
      expectNoCanary(res);
    }
    for (const query of ['SELECT DISTINCT project_id FROM requests WHERE 1 = 1 OR project_id != project_id', 'SELECT DISTINCT project_id FROM requests_1h', 'SELECT DISTINCT project_id FROM "requests"']) {
      expect((await sql(query)).body.data, query).toEqual([{ project_id: A }]);
    }
    // A WITH subquery may take a raw table's name: it is the subquery that is read.
    expect((await sql('WITH gateway_keys AS (SELECT 1 AS x) SELECT * FROM gateway_keys')).body.data).toEqual([{ x: 1 }]);
  });

  it('binds parameter values as data, and refuses a parameter for the projects', async () => {
    const injected = await sql('SELECT count() AS n FROM requests WHERE model = {m:String}', { params: { m: `' OR 1=1 OR model = '${CANARY}-model` } });
    expect(injected.body.data).toEqual([{ n: 0 }]);
    const projects = await sql('SELECT count() AS n FROM requests', { params: { periscope_projects: [B] } });
    expect(projects.status).toBe(400);
    expect(projects.body.error?.message).toMatch(/not allowed/);
  });

  it('a saved report runs in the same sandbox, over its own project only', async () => {
    const created = await apiRequest<{ id: string }>(h.url, 'POST', '/api/reports', member, { project: A, name: 'attack', sql: "SELECT * FROM file('/etc/passwd')" });
    expect(created.status).toBe(201);
    const run = await apiRequest<{ error: { code: string } }>(h.url, 'POST', `/api/reports/${created.body.id}/run`, member, {});
    expect(run.status).toBe(400);
    expect(run.body.error.code).toBe('sql_rejected');
    const forB = await apiRequest(h.url, 'POST', '/api/reports', member, { project: B, name: 'x', sql: 'SELECT 1' });
    expect(forB.status).toBe(404);
  });

  it('left no trace: no request reached the canary server, no file was written, nothing was dropped', async () => {
    expect(canaryHits).toEqual([]);
    expect(existsSync(OUTFILE)).toBe(false);
    const admin = await apiRequest<{ data: unknown[] }>(h.url, 'POST', `/api/sql?project=${B}`, { admin: true }, { sql: 'SELECT user_id FROM requests' });
    expect(admin.body.data).toEqual([{ user_id: CANARY }]);
  });
});
