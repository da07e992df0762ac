import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CREATED_AT_MAX } from '@periscope/contract';
import { openChdbDriver } from './driver/chdb.ts';
import type { Driver } from './driver/driver.ts';
import { loadMigrations, migrate } from './migrate.ts';
import { createStore } from './open-store.ts';
import { makeEvent, newProjectId } from './testing/fixtures.ts';

let dataDir: string;
let driver: Driver;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'periscope-time-range-'));
  driver = await openChdbDriver(dataDir);
  await migrate(driver, await loadMigrations());
});
afterAll(async () => {
  await driver?.close();
  await rm(dataDir, { recursive: true, force: true });
});

it.each([
  ['the first', 0],
  ['the last', CREATED_AT_MAX],
])('counts an event at %s time the contract allows in the rollups at its own minute and hour', async (_, createdAt) => {
  const project = newProjectId();
  await createStore(driver).insertRequests([makeEvent({ project_id: project, created_at: createdAt })]);
  const buckets = async (table: string) =>
    (await driver.query<{ at: string }>(`SELECT toUnixTimestamp(bucket) AS at FROM ${table} WHERE project_id = {p:String}`, { p: project })).map((r) => Number(r.at) * 1000);
  expect(await buckets('requests_rollup_1m')).toEqual([Math.floor(createdAt / 60_000) * 60_000]);
  expect(await buckets('requests_rollup_1h')).toEqual([Math.floor(createdAt / 3_600_000) * 3_600_000]);
});

it('reads the rollups with a range that ends past the last time the contract allows', async () => {
  const project = newProjectId();
  const createdAt = CREATED_AT_MAX - 5 * 3_600_000;
  await createStore(driver).insertRequests([makeEvent({ project_id: project, created_at: createdAt })]);
  const summary = await createStore(driver).metricsSummary({ projectIds: [project], from: createdAt - 86_400_000, to: CREATED_AT_MAX + 86_400_000 });
  expect(summary.current.requests).toBe(1);
});
