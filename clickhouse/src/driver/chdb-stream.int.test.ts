import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdbDriver } from './chdb.ts';
import type { Driver } from './driver.ts';

/**
 * Measured chDB 3.4 behaviours the driver works around. A single-shot query that fails after
 * it began writing output hands that output to the next query started on the session (users'
 * queries fail like that routinely: time limits, throwIf). Any query or insert started while
 * a stream is open ends the stream. And bound single-shot queries (queryBindAsync) run one at
 * a time across every connection of the process, so users' results stream.
 */
describe('chDB: streams and failed queries', () => {
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

  it('does not leak through the driver: users\' reads stream, on connections closed after a failure', async () => {
    await expect(driver.queryText("SELECT throwIf(number = 100000, 'boom') FROM numbers(1e6)", {}, 'CSV', { max_block_size: 1000 })).rejects.toThrow(/boom/);
    await expect(driver.queryText("SELECT throwIf(1) FROM numbers(10)", {}, 'JSONEachRow')).rejects.toThrow(/throwIf/);
    expect(await driver.queryText("SELECT 'next'", {}, 'CSV', { max_block_size: 1000 })).toBe('"next"\n');
    expect(await driver.queryText("SELECT 'next'", {}, 'CSV')).toBe('"next"\n');
    expect(await driver.query<{ x: string }>("SELECT 'next' AS x")).toEqual([{ x: 'next' }]);

    // Parquet writes its schema before the first block; failing there would leave it behind.
    const failing = driver.stream('SELECT throwIf(1) FROM numbers(10)', {}, 'Parquet');
    await expect((async () => { for await (const chunk of failing) void chunk; })()).rejects.toThrow(/throwIf/);
    expect(await driver.query<{ x: string }>("SELECT 'next' AS x")).toEqual([{ x: 'next' }]);
  });

  it('does not leak a failed internal query (API reads, alerts) into the next one, even one already waiting', async () => {
    const failing = driver.query("SELECT throwIf(number = 100000, 'boom') AS x FROM numbers(1e6) SETTINGS max_block_size = 1000");
    const next = driver.query<{ x: string }>("SELECT 'next' AS x");
    await expect(failing).rejects.toThrow(/boom/);
    expect(await next).toEqual([{ x: 'next' }]);
    expect(await driver.query<{ x: string }>("SELECT 'after' AS x")).toEqual([{ x: 'after' }]);
  });

  it('runs bound single-shot queries one at a time across connections (the defect, on bare sessions)', async () => {
    const other = new Session(dir);
    try {
      const heavy = other.queryBindAsync('SELECT count() FROM numbers(1000000) AS a, numbers(1000000) AS b SETTINGS max_execution_time = 2', {}, { format: 'CSV' }).catch(() => null);
      await sleep(200);
      const started = performance.now();
      await session.queryBindAsync('SELECT {x:UInt8}', { x: 1 }, { format: 'CSV' });
      expect(performance.now() - started).toBeGreaterThan(1000);
      await heavy;
      // The same read as a stream does not wait.
      const streamed = other.queryBindAsync('SELECT count() FROM numbers(1000000) AS a, numbers(1000000) AS b SETTINGS max_execution_time = 2', {}, { format: 'CSV' }).catch(() => null);
      await sleep(200);
      const again = performance.now();
      for await (const chunk of session.queryStreamBind('SELECT {x:UInt8}', { x: 1 }, { format: 'CSV' })) void chunk;
      expect(performance.now() - again).toBeLessThan(1000);
      await streamed;
    } finally {
      other.close();
    }
  }, 20_000);

  it('ends a stream when a query starts during it (the defect, on a bare session)', async () => {
    const stream = session.queryStream('SELECT number FROM numbers(2000000)', { format: 'CSV' });
    await expect((async () => {
      for await (const chunk of stream) {
        void chunk;
        await session.queryAsync('SELECT 1', { format: 'CSV' });
      }
    })()).rejects.toThrow(/No active streaming query/);
  });

  it('keeps a stream whole through the driver while queries and inserts keep arriving', async () => {
    await driver.exec('CREATE TABLE IF NOT EXISTS gate_test (x UInt64) ENGINE = MergeTree ORDER BY x');
    const rows = (async () => {
      let lines = 0;
      for await (const chunk of driver.stream('SELECT number FROM numbers(2000000)', {}, 'CSVWithNames')) lines += Buffer.from(chunk).toString('latin1').split('\n').length - 1;
      return lines;
    })();
    // Spread over the stream's run (a few hundred ms), so most arrive while it holds the session.
    const others = Array.from({ length: 20 }, (_, i) =>
      sleep(i * 15).then((): Promise<unknown> => (i % 2 === 0 ? driver.query<{ x: number }>(`SELECT ${i} AS x`) : driver.insertJSONEachRow('gate_test', [{ x: i }]))),
    );
    // Health checks do not queue behind a user's stream: it runs on a connection of its own.
    await sleep(30);
    const pingStarted = performance.now();
    await driver.ping();
    expect(performance.now() - pingStarted).toBeLessThan(200);
    // One header line, once.
    expect(await rows).toBe(2_000_001);
    const answers = await Promise.all(others);
    expect(answers.filter((a) => Array.isArray(a)).map((a) => (a as { x: number }[])[0]?.x)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(await driver.query<{ n: number }>('SELECT count() AS n FROM gate_test')).toEqual([{ n: 10 }]);
  });
});
