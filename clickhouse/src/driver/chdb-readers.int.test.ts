import { mkdtemp, readdir, rm, statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError } from '../errors.ts';
import { createStore } from '../open-store.ts';
import type { Store } from '../store.ts';
import { makeAccount, makeEvent, makeKey, newProjectId } from '../testing/fixtures.ts';
import { openChdbDriver } from './chdb.ts';
import type { Driver, QuerySettings } from './driver.ts';

/**
 * The engine's half of the sandbox on chDB, without the application's checks in front: what
 * a statement run on the read-only connections users' SQL gets can and cannot do, whatever
 * its text. (The sandbox refuses all of these statements before they get here.)
 */
describe('chDB: the read-only connections users\' SQL runs on', () => {
  let dir: string;
  let dataDir: string;
  let driver: Driver;
  let store: Store;
  const canary = `cnry${Date.now().toString(36)}`;
  const other = newProjectId('other');
  const READER: QuerySettings = { readonly: 1, max_execution_time: 30 };
  const read = (sql: string, settings: QuerySettings = READER) => driver.queryText(sql, {}, 'TSVRaw', settings);
  const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as StoreError);
  const running = async (marker: string) => {
    const [row] = await driver.query<{ n: number }>(
      "SELECT count() AS n FROM system.processes WHERE position(query, {marker:String}) > 0 AND position(query, 'system.processes') = 0",
      { marker },
    );
    return Number(row?.n);
  };
  const spoolFiles = async () => readdir(join(dataDir, 'periscope-exports')).catch(() => []);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-readers-'));
    dataDir = join(dir, 'db');
    driver = await openChdbDriver(dataDir);
    store = createStore(driver);
    await store.migrate();
    await store.insertAccount(makeAccount({ email: `${canary}@example.com` }));
    await store.insertKey(makeKey({ name: canary }));
    await store.insertRequests([makeEvent({ project_id: other, request_body: canary })]);
  });
  afterAll(async () => {
    await driver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('see every private table empty, by any route, while the store reads the same rows', async () => {
    for (const sql of [
      'SELECT count() FROM periscope_private.accounts',
      'SELECT count() FROM periscope_private.gateway_keys WHERE name != \'\'',
      'SELECT (SELECT count() FROM periscope_private.accounts) + (SELECT count() FROM periscope_private.gateway_keys)',
      'SELECT count() FROM view(SELECT * FROM periscope_private.accounts)',
      "SELECT count() FROM merge('periscope_private', '.*')",
      'SELECT count() FROM periscope_private.accounts AS a, periscope_private.gateway_keys AS k',
    ]) {
      expect(await read(sql), sql).toBe('0\n');
    }
    expect((await store.listAccounts()).map((a) => a.email)).toContain(`${canary}@example.com`);
    expect((await store.listKeys()).map((k) => k.name)).toContain(canary);
  });

  it('cannot write, read files, reach other servers, create anything or lower readonly', async () => {
    for (const sql of [
      "SELECT * FROM file('/etc/hostname', 'LineAsString')",
      "SELECT * FROM url('http://127.0.0.1:9/', 'LineAsString')",
      "SELECT * FROM remote('127.0.0.1:9', default.requests)",
      'SELECT count() FROM periscope_private.accounts SETTINGS readonly = 0',
      'SELECT 1 SETTINGS max_execution_time = 0',
      "SELECT * FROM (SELECT 1) SETTINGS additional_table_filters = {'default.requests': '1'}",
    ]) {
      expect((await failure(read(sql)))?.message, sql).toMatch(/readonly mode/);
    }
    // Statements other than reads do not even run there (results stream).
    for (const sql of ["INSERT INTO periscope_private.accounts (account_id) VALUES ('x')", 'CREATE TEMPORARY TABLE t (a UInt8)', 'DROP TABLE default.requests']) {
      expect((await failure(read(sql)))?.message, sql).toMatch(/readonly mode|Streaming query is not supported/);
    }
    expect(await store.listAccounts()).not.toEqual([]);
  });

  it('resolve a name that is not qualified in an empty database', async () => {
    for (const table of ['requests', 'accounts', 'gateway_keys', 'schema_migrations']) {
      expect((await failure(read(`SELECT count() FROM ${table}`)))?.message).toMatch(/Unknown table expression identifier/);
    }
  });

  it('read only the rows of their projects from the request log and its rollups, by any route', async () => {
    const mine = newProjectId();
    await store.insertRequests([makeEvent({ project_id: mine, request_body: 'own body' })]);
    const as = (projects: string[], sql: string) => driver.queryText(sql, {}, 'TSVRaw', READER, { projects });
    for (const sql of [
      'SELECT groupUniqArray(project_id) FROM default.requests',
      'SELECT groupUniqArray(project_id) FROM default.requests FINAL',
      'SELECT (SELECT groupUniqArray(project_id) FROM default.requests_rollup_1m)',
      'SELECT groupUniqArray(project_id) FROM view(SELECT project_id FROM default.requests_rollup_1h)',
      "SELECT groupUniqArray(project_id) FROM merge('default', '^requests$')",
      `SELECT groupUniqArray(project_id) FROM default.periscope_sql_requests(periscope_projects = ['${mine}', '${other}'])`,
    ]) {
      expect(await as([mine], sql), sql).toBe(`['${mine}']\n`);
      expect(await as([], sql), sql).toBe('[]\n');
    }
    expect(await as([mine], `SELECT count() FROM default.requests WHERE request_body = '${canary}'`)).toBe('0\n');
    // The store's own connection reads every project.
    expect((await store.listRequests({ projectIds: [mine], limit: 5 })).data).toHaveLength(1);
  });

  it('run beside the store: a heavy query holds nothing the store\'s own reads wait for', async () => {
    const heavy = failure(read('SELECT count() FROM numbers(1000000) AS a, numbers(1000000) AS b', { ...READER, max_execution_time: 6 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const started = performance.now();
    const page = await store.listRequests({ projectIds: [], limit: 5 });
    const summary = await store.metricsSummary({ projectIds: [newProjectId()], from: Date.now() - 3_600_000, to: Date.now() });
    const took = performance.now() - started;
    expect(page.data).toEqual([]);
    expect(summary).toBeDefined();
    // The query that froze the store for 299.5 s in issue 14; the store answered while it ran.
    expect(await running('numbers(1000000) AS a')).toBe(1);
    expect(took).toBeLessThan(3000);
    expect((await heavy)?.code).toBe('query_failed');
  }, 30_000);

  it('stop in the engine when the caller aborts, for a single answer and for a stream', async () => {
    const heavy = 'SELECT count() FROM numbers(1000000) AS a, numbers(1000000) AS b';
    const once = new AbortController();
    const single = failure(driver.queryText(`${heavy} WHERE 1 = 1`, {}, 'CSVWithNames', READER, { signal: once.signal }));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await running('WHERE 1 = 1')).toBe(1);
    once.abort();
    expect((await single)?.message).toMatch(/cancelled/i);
    expect(await running('WHERE 1 = 1')).toBe(0);

    const streamed = new AbortController();
    const stream = failure((async () => {
      // With a parameter: the engine shows the statement after binding it, comments gone.
      for await (const chunk of driver.stream(`/* a comment */ ${heavy} WHERE 2 = {two:UInt8}`, { two: 2 }, 'CSVWithNames', READER, { signal: streamed.signal })) void chunk;
    })());
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await running("WHERE 2 = _CAST(2, 'UInt8')")).toBe(1);
    const abortedAt = performance.now();
    streamed.abort();
    expect((await stream)?.message).toMatch(/cancelled|aborted/i);
    expect(performance.now() - abortedAt).toBeLessThan(2000);
    expect(await running("WHERE 2 = _CAST(2, 'UInt8')")).toBe(0);
    expect(await spoolFiles()).toEqual([]);
  }, 30_000);

  it('spool an export within its bytes and the disk\'s free space, and leave no file behind', async () => {
    const rows = "SELECT number, repeat('x', 2000) FROM numbers(1000000)";
    const drain = async (options: Parameters<Driver['stream']>[4]) => {
      let bytes = 0;
      for await (const chunk of driver.stream(rows, {}, 'CSVWithNames', READER, options)) bytes += chunk.length;
      return bytes;
    };
    const tooBig = await failure(drain({ maxBytes: 20 * 1024 * 1024 }));
    expect(tooBig?.code).toBe('sql_limit_exceeded');
    expect(tooBig?.message).toMatch(/larger than the 20 MiB/);
    expect(await spoolFiles()).toEqual([]);

    const fs = await statfs(tmpdir());
    const free = fs.bavail * fs.bsize;
    const refused = await failure(drain({ minFreeDiskBytes: free + 1024 ** 4 }));
    expect(refused?.code).toBe('insufficient_storage');
    expect(refused?.status).toBe(507);
    // Enough free space to start, not to finish: 30 MiB of a 2 GB result.
    const stopped = await failure(drain({ minFreeDiskBytes: free - 30 * 1024 * 1024 }));
    expect(stopped?.code).toBe('insufficient_storage');
    expect(await spoolFiles()).toEqual([]);

    let whole = 0;
    for await (const chunk of driver.stream("SELECT number, repeat('x', 20) FROM numbers(1000)", {}, 'CSVWithNames', READER, { maxBytes: 1024 * 1024 })) whole += chunk.length;
    expect(whole).toBeGreaterThan(20_000);
    expect(await spoolFiles()).toEqual([]);
  }, 60_000);
});
