import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdbDriver } from '../driver/chdb.ts';
import type { Driver } from '../driver/driver.ts';
import { StoreError } from '../errors.ts';
import { createStore } from '../open-store.ts';
import type { SqlLimits } from '../reports.ts';
import type { Store } from '../store.ts';
import { makeEvent, newProjectId } from '../testing/fixtures.ts';
import { collect } from '../testing/store-contract-reports.ts';
import { ALLOWED_FUNCTIONS_BY_CATEGORY } from './allowed-functions.ts';

const LIMITS: SqlLimits = { maxExecutionSeconds: 30, maxMemoryBytes: 2e9, maxRowsToRead: 1e9, maxResultRows: 2_000_000 };

/** The sandbox against the embedded engine: what only chDB can show (files it reads back, its function list). */
describe('SQL sandbox on chDB', () => {
  let dir: string;
  let driver: Driver;
  let store: Store;
  const project = newProjectId('sandbox');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-sql-'));
    driver = await openChdbDriver(join(dir, 'db'));
    store = createStore(driver);
    await store.migrate();
  });
  afterAll(async () => {
    await driver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('allows only functions the engine has, from the categories the allow-list names', async () => {
    const rows = await driver.query<{ name: string; category: string }>(
      `SELECT f.name AS name, if(f.alias_to = '', f.categories, c.categories) AS category
       FROM system.functions AS f LEFT JOIN system.functions AS c ON c.name = f.alias_to`,
    );
    const categoryOf = new Map(rows.map((r) => [r.name, r.category]));
    for (const [category, names] of Object.entries(ALLOWED_FUNCTIONS_BY_CATEGORY)) {
      for (const name of names.split(/\s+/).filter(Boolean)) {
        expect(categoryOf.has(name), name).toBe(true);
        expect(category === 'Other (pure)' ? ['Other', 'Internal'] : [category], name).toContain(categoryOf.get(name));
      }
    }
  });

  it('fires the time limit on numbers(1e12) when the rows-to-read limit would not', async () => {
    const started = Date.now();
    const err = await store.runSql({ sql: 'SELECT count() FROM numbers(1e12)', projectIds: [project] }, { ...LIMITS, maxExecutionSeconds: 1, maxRowsToRead: 1e13 }).then(
      () => null,
      (e: unknown) => e as StoreError,
    );
    expect(err?.code).toBe('sql_limit_exceeded');
    expect(err?.message).toMatch(/longer than the 1 s limit/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('exports 1,000,000 rows as one Parquet file that reads back with the types of the query', async () => {
    await store.insertRequests([makeEvent({ project_id: project, model: 'gpt-4o', cost_usd: 0.5 })]);
    const sql = `SELECT number AS n, toString(number) AS s, toDateTime64(number, 3, 'UTC') AS t, if(number % 2 = 0, NULL, number) AS maybe,
        [number, 1] AS list, (SELECT any(model) FROM requests) AS model
      FROM numbers(1000000)`;
    const parquet = await collect(await store.exportSql({ sql, projectIds: [project] }, 'parquet', LIMITS));
    const file = join(dir, 'export.parquet');
    await writeFile(file, parquet);
    const [summary] = await driver.query<Record<string, string | number>>(
      `SELECT count() AS rows, sum(n) AS total, uniqExact(s) AS strings, countIf(maybe IS NULL) AS nulls, any(model) AS model,
         toTypeName(any(n)) AS n_type, toTypeName(any(t)) AS t_type, toTypeName(any(maybe)) AS maybe_type, toTypeName(any(list)) AS list_type
       FROM file({file:String}, Parquet)`,
      { file },
    );
    expect(summary).toMatchObject({
      rows: 1_000_000, total: 499_999_500_000, strings: 1_000_000, nulls: 500_000, model: 'gpt-4o',
      n_type: 'UInt64', t_type: "DateTime64(3, 'UTC')", maybe_type: 'Nullable(UInt64)', list_type: 'Array(UInt64)',
    });
  });
});
