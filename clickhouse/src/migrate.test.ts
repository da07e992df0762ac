import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from './errors.ts';
import { loadMigrations, migrate, splitStatements, type Migration } from './migrate.ts';
import { RecordingDriver } from './testing/recording-driver.ts';

describe('splitStatements', () => {
  it('splits at semicolons that end a line and drops empty pieces', () => {
    expect(splitStatements('CREATE TABLE a (x UInt8) ENGINE = Memory;\n\nCREATE TABLE b (y String) ENGINE = Memory;  \n')).toEqual([
      'CREATE TABLE a (x UInt8) ENGINE = Memory',
      'CREATE TABLE b (y String) ENGINE = Memory',
    ]);
  });

  it('keeps a semicolon inside a line and accepts a last statement without one', () => {
    expect(splitStatements("SELECT ';' AS s;\r\nSELECT 2")).toEqual(["SELECT ';' AS s", 'SELECT 2']);
  });

  it('ignores whole-line comments, even ones ending in a semicolon', () => {
    expect(splitStatements('-- first;\nSELECT 1\n  -- inside;\n;\n-- trailing;\n')).toEqual(['SELECT 1']);
  });
});

describe('loadMigrations', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });
  const withFiles = async (files: Record<string, string>) => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-migrations-'));
    for (const [name, sql] of Object.entries(files)) await writeFile(join(dir, name), sql);
    return dir;
  };

  it('loads the shipped migrations in version order', async () => {
    const migrations = await loadMigrations();
    expect(migrations.map((m) => [m.version, m.name])).toEqual([
      [1, '001_requests'],
      [2, '002_gateway_keys'],
      [3, '003_routing_and_cache_columns'],
      [4, '004_request_rollups'],
      [5, '005_access'],
      [6, '006_alerts'],
      [7, '007_sql_reports'],
      [8, '008_private_database'],
      [9, '009_resent_events'],
    ]);
    // Every statement must be safe to rerun after a partial failure.
    expect(migrations.every((m) => m.statements.every((s) => /^(CREATE (TABLE|MATERIALIZED VIEW|VIEW|DATABASE) IF NOT EXISTS |ALTER TABLE \w+\s+ADD COLUMN IF NOT EXISTS |RENAME TABLE IF EXISTS )/.test(s)))).toBe(true);
  });

  it('orders by version and ignores files that are not SQL', async () => {
    const d = await withFiles({ '010_later.sql': 'SELECT 10;', '002_first.sql': 'SELECT 2;\nSELECT 3;', 'README.md': '#' });
    expect((await loadMigrations(d)).map((m) => [m.version, m.statements])).toEqual([
      [2, ['SELECT 2', 'SELECT 3']],
      [10, ['SELECT 10']],
    ]);
  });

  it.each([
    [{ '1_short.sql': 'SELECT 1;' }, /not named NNN_name.sql/],
    [{ '001_a.sql': 'SELECT 1;', '001_b.sql': 'SELECT 2;' }, /two migration files have version 1/],
    [{ '001_empty.sql': '-- nothing here\n' }, /has no statements/],
  ])('refuses a malformed directory %#', async (files, message) => {
    const d = await withFiles(files);
    await expect(loadMigrations(d)).rejects.toThrow(message);
  });
});

describe('migrate', () => {
  const migrations: Migration[] = [
    { version: 2, name: '002_b', statements: ['CREATE TABLE IF NOT EXISTS b', 'ALTER b'] },
    { version: 1, name: '001_a', statements: ['CREATE TABLE IF NOT EXISTS a'] },
    { version: 3, name: '003_c', statements: ['CREATE TABLE IF NOT EXISTS c'] },
  ];

  it('runs pending migrations in version order and records each after its statements', async () => {
    const driver = new RecordingDriver((sql) => (sql.includes('FROM schema_migrations') ? [{ version: '2' }] : []));
    expect(await migrate(driver, migrations)).toEqual([1, 3]);
    const steps = driver.calls.filter((c) => c.kind !== 'query').map((c) => (c.kind === 'insert' ? c.rows : c.sql));
    expect(steps.slice(1)).toEqual([
      'CREATE TABLE IF NOT EXISTS a',
      [{ version: 1, name: '001_a' }],
      'CREATE TABLE IF NOT EXISTS c',
      [{ version: 3, name: '003_c' }],
    ]);
  });

  it('stops at a failing statement without recording its migration', async () => {
    const driver = new RecordingDriver(() => [], (sql) => sql === 'ALTER b');
    const err = await migrate(driver, migrations).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ code: 'migration_failed', message: expect.stringContaining('002_b') });
    const recorded = driver.calls.filter((c) => c.kind === 'insert').flatMap((c) => c.rows);
    expect(recorded).toEqual([{ version: 1, name: '001_a' }]);
  });
});
