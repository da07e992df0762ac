import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openChdbDriver } from './driver/chdb.ts';
import type { Driver } from './driver/driver.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { createStore } from './open-store.ts';
import { makeEvent, newProjectId } from './testing/fixtures.ts';

let dataDir: string;
let driver: Driver;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'periscope-backfill-'));
  driver = await openChdbDriver(dataDir);
});
afterAll(async () => {
  await driver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it('fills the rollups from rows stored before the rollup migration, then keeps them current', async () => {
  const store = createStore(driver);
  const all = await loadMigrations();
  await migrate(driver, all.filter((m) => m.version < 4));
  const project = newProjectId();
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
  const before = Array.from({ length: 30 }, (_, i) => makeEvent({ project_id: project, created_at: hour + i * 60_000, latency_ms: 100 + i }));
  await store.insertRequests(before);

  // 004 and whatever came after it.
  expect(await migrate(driver, all)).toEqual(all.filter((m) => m.version >= 4).map((m) => m.version));
  await store.insertRequests([makeEvent({ project_id: project, created_at: hour + 2 * 3_600_000 })]);

  const count = async (table: string) =>
    Number((await driver.query<{ n: string }>(`SELECT sum(requests) AS n FROM ${table} WHERE project_id = {p:String}`, { p: project }))[0]?.n);
  expect(await count('requests_rollup_1m')).toBe(31);
  expect(await count('requests_rollup_1h')).toBe(31);
  const summary = await store.metricsSummary({ projectIds: [project], from: hour, to: hour + 3 * 3_600_000 });
  // 100..129 and the fixture's 420: the 30th of 31 values.
  expect(summary.current).toMatchObject({ requests: 31, latency_p95_ms: 129 });
});
