import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdbDriver } from './chdb.ts';
import type { Driver } from './driver.ts';

/**
 * A measured chDB 3.4 defect the driver works around: a single-shot query that fails after
 * it began writing output hands that output to the next query started on the session. The
 * SQL console runs users' queries, which fail like that routinely (time limits, throwIf).
 */
describe('chDB: output of a failed query', () => {
  let dir: string;
  let session: Session;
  let driver: Driver;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'periscope-chdb-leak-'));
    driver = await openChdbDriver(dir);
    // The same data directory (one per process): chDB hands this session the driver's connection.
    session = new Session(dir);
  });
  afterAll(async () => {
    session?.close();
    await driver?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('leaks into the next single-shot query (the defect, on a bare session)', async () => {
    await expect(session.queryAsync("SELECT throwIf(number = 100000, 'boom') FROM numbers(1e6) SETTINGS max_block_size = 1000", { format: 'CSV' })).rejects.toThrow(/boom/);
    const next = (await session.queryAsync("SELECT 'next'", { format: 'CSV' })).text();
    expect(next.length).toBeGreaterThan('"next"\n'.length);
  });

  it('does not leak through the driver: queries with settings stream, and a stream that fails first drains', async () => {
    await expect(driver.queryText("SELECT throwIf(number = 100000, 'boom') FROM numbers(1e6)", {}, 'CSV', { max_block_size: 1000 })).rejects.toThrow(/boom/);
    expect(await driver.queryText("SELECT 'next'", {}, 'CSV')).toBe('"next"\n');
    expect(await driver.query<{ x: string }>("SELECT 'next' AS x")).toEqual([{ x: 'next' }]);

    // Parquet writes its schema before the first block; failing there would leave it behind.
    const failing = driver.stream('SELECT throwIf(1) FROM numbers(10)', {}, 'Parquet');
    await expect((async () => { for await (const chunk of failing) void chunk; })()).rejects.toThrow(/throwIf/);
    expect(await driver.query<{ x: string }>("SELECT 'next' AS x")).toEqual([{ x: 'next' }]);
  });
});
