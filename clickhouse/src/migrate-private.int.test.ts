import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdbDriver } from './driver/chdb.ts';
import type { Driver } from './driver/driver.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { createStore } from './open-store.ts';
import { PRIVATE_TABLES } from './private-tables.ts';
import type { Store } from './store.ts';
import { makeAccount, makeKey, newProjectId } from './testing/fixtures.ts';

/** The tables 008 moves: the private tables of 007 (later migrations create theirs in the private database). */
const MOVED = PRIVATE_TABLES.filter((t) => t !== 'resent_events');

/**
 * Upgrading a store migrated to 007 (private tables in the store's own database) to 008: the
 * rows written by that version are all there afterwards, through the store, and nothing is
 * left behind; a migration stopped halfway finishes on the next start.
 */
describe('migration 008 on a store at 007', () => {
  let dir: string;
  let driver: Driver;
  let store: Store;

  /** The store as version 007 wrote it: the same writers, with the private tables where they were. */
  const at007 = (d: Driver): Driver => {
    const unmoved = (sql: string) => sql.replaceAll('periscope_private.', '');
    return {
      ...d, kind: d.kind, database: d.database,
      query: (sql, params) => d.query(unmoved(sql), params),
      exec: (sql, params) => d.exec(unmoved(sql), params),
      insertJSONEachRow: (table, rows, settings) => d.insertJSONEachRow(unmoved(table), rows, settings),
    };
  };

  async function writeEveryPrivateTable(old: Store, tag: string) {
    const now = Date.now();
    const project = newProjectId(tag);
    await old.insertAccount(makeAccount({ account_id: `${tag}-account`, email: `${tag}@example.com` }));
    await old.insertKey(makeKey({ key_id: `${tag}-key`, key_hash: `${tag}-hash`, project_id: project }));
    await old.saveAlertRule({
      rule_id: `${tag}-rule`, version: 1, project_id: project, name: tag, enabled: true, deleted: false, spec: '{}',
      created_at: now, created_by: tag, updated_at: now, updated_by: tag,
    });
    await old.saveAlertStates([{ rule_id: `${tag}-rule`, group_key: '', state: 'firing', value: 2, since: now, clear_since: null, last_notified_at: null, seq: 1, rule_version: 1, updated_at: now }]);
    await old.insertAlertEvents([{ event_id: `${tag}-event`, rule_id: `${tag}-rule`, rule_version: 1, at: now, group_key: '', kind: 'firing', value: 2, threshold: 1, deliveries: '' }]);
    await old.claimLease(`${tag}-lease`, 1, tag, 60_000);
    await old.saveReport({
      report_id: `${tag}-report`, project_id: project, name: tag, description: '', sql: 'SELECT 1', params: {}, schedule: '', delivery: '',
      created_by: tag, created_at: now, updated_at: now, deleted: false,
    });
    await old.recordReportRun({ report_id: `${tag}-report`, project_id: project, scheduled_for: now, started_at: now, finished_at: now, ok: true, rows: 1, bytes: 2, error: '', delivery: '' });
  }

  async function expectEveryRow(tag: string) {
    expect((await store.getAccount(`${tag}-account`))?.email).toBe(`${tag}@example.com`);
    expect((await store.findKeyByHash(`${tag}-hash`))?.key_id).toBe(`${tag}-key`);
    expect((await store.getAlertRule(`${tag}-rule`))?.name).toBe(tag);
    expect((await store.listAlertStates([`${tag}-rule`])).map((s) => s.state)).toEqual(['firing']);
    expect((await store.listAlertEvents({ rule_id: `${tag}-rule` })).map((e) => e.event_id)).toEqual([`${tag}-event`]);
    expect((await store.readLease(`${tag}-lease`)).claims.map((c) => c.holder)).toEqual([tag]);
    expect((await store.getReport(`${tag}-report`))?.name).toBe(tag);
    expect((await store.listReportRuns(`${tag}-report`, 10)).map((r) => r.bytes)).toEqual([2]);
  }

  const tablesIn = async (database: string) =>
    (await driver.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {database:String} ORDER BY name', { database })).map((t) => t.name);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-migrate-008-'));
    driver = await openChdbDriver(join(dir, 'db'));
    store = createStore(driver);
  });
  afterAll(async () => {
    await driver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('moves every private table with its rows, and leaves none behind', async () => {
    const all = await loadMigrations();
    expect(await migrate(driver, all.filter((m) => m.version <= 7))).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await writeEveryPrivateTable(createStore(at007(driver)), 'before');
    expect(await tablesIn('default')).toEqual(expect.arrayContaining(MOVED));

    expect(await migrate(driver, all.filter((m) => m.version <= 8))).toEqual([8]);
    await expectEveryRow('before');
    expect(await tablesIn('periscope_private')).toEqual([...MOVED].sort());
    expect((await tablesIn('default')).filter((t) => (PRIVATE_TABLES as readonly string[]).includes(t))).toEqual([]);
    // New rows go to the new place too, and a rerun changes nothing.
    await writeEveryPrivateTable(store, 'after');
    await expectEveryRow('after');
    expect(await migrate(driver, all.filter((m) => m.version <= 8))).toEqual([]);
    // The later migrations create theirs there too.
    expect(await store.migrate()).toEqual(all.filter((m) => m.version > 8).map((m) => m.version));
    expect(await tablesIn('periscope_private')).toEqual([...PRIVATE_TABLES].sort());
  });

  it('finishes a move that stopped halfway', async () => {
    const second = await mkdtemp(join(tmpdir(), 'periscope-migrate-008-'));
    // One data directory per process: this store takes the place of the first for the test.
    await driver.close();
    driver = await openChdbDriver(join(second, 'db'));
    store = createStore(driver);
    try {
      const all = await loadMigrations();
      await migrate(driver, all.filter((m) => m.version <= 7));
      await writeEveryPrivateTable(createStore(at007(driver)), 'halfway');
      const move = all.find((m) => m.version === 8)!;
      // The database and the first three tables moved, then the process died.
      for (const statement of move.statements.slice(0, 4)) await driver.exec(statement, { private_database: 'periscope_private' });
      expect(await migrate(driver, all.filter((m) => m.version <= 8))).toEqual([8]);
      await expectEveryRow('halfway');
      expect(await tablesIn('periscope_private')).toEqual([...MOVED].sort());
    } finally {
      await rm(second, { recursive: true, force: true }).catch(() => {});
    }
  });
});
