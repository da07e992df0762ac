import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { encodeRequestEvent, type RequestEvent } from '@periscope/contract';
import { StoreError, eventKey, type Store } from '@periscope/clickhouse';
import { createStore, makeEvent, newProjectId, openChdbDriver, rollupCounts, withoutView, type Driver } from '@periscope/clickhouse/testing';
import { SpoolWriter } from '@periscope/spool';
import { createIngestMetrics } from './ingest-metrics.ts';
import { SpoolIngest } from './spool-ingest.ts';

const quietLog = { error() {}, warn() {}, info() {}, debug() {}, fatal() {}, trace() {}, child() { return quietLog; }, level: 'silent', silent() {} };

let dir: string;
let driver: Driver;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-spool-ingest-'));
  driver = await openChdbDriver(join(dir, 'chdb'));
  store = createStore(driver);
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await store?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('SpoolIngest into chDB', () => {
  it('drops, counted, only the rows the engine itself refuses, and rides out a store failure midway without dropping any other', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 600 }, () => makeEvent({ project_id: project, status: 200 }));
    const canaries = new Set(events.filter((_, i) => i % 200 === 17).map((e) => e.request_id));
    let inserts = 0;
    // The engine really refuses the canaries (a string where the status number goes), and the
    // third insert fails as a store outage would, in the middle of isolating them.
    const corrupting = new Proxy(store, {
      get(target, prop, receiver) {
        if (prop !== 'insertRequestRows') return Reflect.get(target, prop, receiver);
        return async (rows: Buffer[], opts?: Parameters<Store['insertRequestRows']>[1]) => {
          if (++inserts === 3) throw new StoreError('store_unavailable', 'the store went away');
          return target.insertRequestRows(corrupter(canaries)(rows), opts);
        };
      },
    });
    const { spoolDir, writer } = await spooled(project, events);
    const registry = new Registry();
    const metrics = createIngestMetrics(registry);
    const ingest = await SpoolIngest.start({ dir: spoolDir, store: corrupting, registry, metrics, log: quietLog as never });
    try {
      await ingest.drainedTo(writer.position);
      const stored = await store.storedEvents(events);
      expect(stored.size).toBe(events.length - canaries.size);
      expect(events.filter((e) => canaries.has(e.request_id) && stored.has(eventKey(e)))).toEqual([]);
      const { data: rows } = await store.listRequests({ projectIds: [project], limit: 1000 });
      expect(rows).toHaveLength(events.length - canaries.size);
      // The rollups count each stored row once: no slice was stored twice (they are fed per insert, without FINAL).
      const from = Math.min(...events.map((e) => e.created_at)) - 60_000;
      const summary = await store.metricsSummary({ projectIds: [project], from, to: Date.now() + 60_000 });
      expect(summary.current.requests).toBe(events.length - canaries.size);
      const dropped = await registry.getSingleMetricAsString('periscope_events_dropped_total');
      expect(dropped).toContain(`periscope_events_dropped_total{reason="rejected_by_store"} ${canaries.size}`);
      expect((await metrics.inserted.get()).values[0]?.value).toBe(events.length - canaries.size);
      expect((await metrics.insertFailures.get()).values[0]?.value).toBe(1);
    } finally {
      await ingest.stop();
      await writer.close();
    }
  }, 60_000);

  it('rides out cursor writes that fail (before an insert and after it) without ending, counted, and stores every row once', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    // The cursor is written to cursor.json.tmp, then renamed: a directory there fails every write.
    const blocker = join(spoolDir, 'cursor.json.tmp');
    const registry = new Registry();
    const blocked = (atLeast: number) => cursorWriteFailures(registry, atLeast);
    await mkdir(blocker);
    let inserts = 0;
    // After its first insert the writes fail again: the batch is stored but cannot be acknowledged.
    const blocking = storeWith(async (target, rows, opts) => {
      await target.insertRequestRows(rows, opts);
      if (++inserts === 1) await mkdir(blocker);
    });
    const ingest = await startIngest(spoolDir, blocking, registry);
    try {
      await blocked(2);
      expect(inserts).toBe(0);
      await rmdir(blocker);
      await blocked(4);
      expect(inserts).toBe(1);
      await rmdir(blocker);
      await ingest.drainedTo(writer.position);
      expect(inserts).toBe(1);
      expect(await rollupCounts(driver, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
    } finally {
      await ingest.stop();
      await writer.close();
    }
  }, 60_000);

  it('counts a slice note the cursor cannot take as a cursor write, not an insert, and stores every row once', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    const blocker = join(spoolDir, 'cursor.json.tmp');
    const registry = new Registry();
    // The first batch after a start is checked against the table, then noted slice by slice:
    // the writes fail from the check on, so the first slice's note is the one that fails.
    let armed = true;
    const blocking = storeReplacing('storedEvents', async (target, events) => {
      if (armed) {
        armed = false;
        await mkdir(blocker);
      }
      return target.storedEvents(events);
    });
    const ingest = await startIngest(spoolDir, blocking, registry);
    try {
      const counted = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value ?? 0;
      await expect.poll(() => counted('periscope_spool_cursor_write_failures_total'), { timeout: 15_000 }).toBeGreaterThanOrEqual(2);
      expect(await counted('periscope_ingest_insert_failures_total')).toBe(0);
      await rmdir(blocker);
      await ingest.drainedTo(writer.position);
      expect(await rollupCounts(driver, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
    } finally {
      await ingest.stop();
      await writer.close();
    }
  }, 60_000);

  it('stops while its cursor cannot be written, and the next start stores the batch once', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    const blocker = join(spoolDir, 'cursor.json.tmp');
    const blocking = storeWith(async (target, rows, opts) => {
      await target.insertRequestRows(rows, opts);
      await mkdir(blocker);
    });
    const registry = new Registry();
    const ingest = await startIngest(spoolDir, blocking, registry);
    await cursorWriteFailures(registry, 1);
    await ingest.stop();
    await rmdir(blocker);
    expect(await countsOnceDrained(spoolDir, writer, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
  }, 60_000);

  it.each([
    ['the table', 'requests_rollup_1m_mv' as const, { rows: 400, minute: 0, hour: 0 }],
    ['the table and the per-minute rollup', 'requests_rollup_1h_mv' as const, { rows: 400, minute: 400, hour: 0 }],
  ])('inserts a batch again whole, with its token, after a crash once %s had it: the rollups that missed it get it once', async (_, view, cut) => {
    const project = newProjectId();
    const events = Array.from({ length: 400 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    // The engine commits the table's part, then the per-minute rollup's, then the hourly one's
    // (fed from the per-minute rollup). The process dies between two of them: the insert
    // completes without the next view, and the ingest stops before it acknowledged the batch.
    const crash = deathAfter();
    const crashing = storeWith(async (target, rows, opts) => {
      await withoutView(driver, view, () => target.insertRequestRows(rows, opts));
      return crash.die();
    });
    await crash.of(await startIngest(spoolDir, crashing));
    expect(await rollupCounts(driver, project)).toEqual(cut);

    expect(await countsOnceDrained(spoolDir, writer, project)).toEqual({ rows: 400, minute: 400, hour: 400 });
  }, 60_000);

  it('inserts a later batch again under the token noted before its insert, after a crash once the table had it', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 400 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    // Two batches: the first after a start is checked against the table; the second goes in
    // whole under the token noted in the cursor first, and dies after the table took it.
    const crash = deathAfter();
    const crashing = storeWith(async (target, rows, opts) => {
      if (opts!.dedupToken!.includes(':isolated')) return target.insertRequestRows(rows, opts);
      // The per-minute rollup took it too: the same rows again under another token would count twice.
      await withoutView(driver, 'requests_rollup_1h_mv', () => target.insertRequestRows(rows, opts));
      return crash.die();
    });
    await crash.of(await startIngest(spoolDir, crashing, new Registry(), 200));
    expect(await rollupCounts(driver, project)).toEqual({ rows: 400, minute: 400, hour: 200 });

    expect(await countsOnceDrained(spoolDir, writer, project, 200)).toEqual({ rows: 400, minute: 400, hour: 400 });
  }, 60_000);

  it('after an upgrade, inserts a batch the older version had in flight again under its bare token when the table has it', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    // The older version noted nothing and inserted under the batch's spool position alone.
    const crash = deathAfter();
    const crashing = storeWith(async (target, rows, opts) => {
      const bare = opts!.dedupToken!.split(':').slice(0, 4).join(':');
      // The per-minute rollup took it too: only the bare token keeps it from counting twice.
      await withoutView(driver, 'requests_rollup_1h_mv', () => target.insertRequestRows(rows, { ...opts, dedupToken: bare }));
      return crash.die();
    });
    await crash.of(await startIngest(spoolDir, crashing));
    const cursor = join(spoolDir, 'cursor.json');
    const old = JSON.parse(await readFile(cursor, 'utf8')) as { inflight?: { note?: string } };
    delete old.inflight!.note;
    await writeFile(cursor, JSON.stringify(old));
    expect(await rollupCounts(driver, project)).toEqual({ rows: 300, minute: 300, hour: 0 });

    expect(await countsOnceDrained(spoolDir, writer, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
  }, 60_000);

  it('a note damaged after the batch was stored whole: the table decides, and nothing counts twice', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 400 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    const crash = deathAfter();
    const crashing = storeWith(async (target, rows, opts) => {
      await target.insertRequestRows(rows, opts);
      if (opts!.dedupToken!.includes(':isolated')) return;
      return crash.die(); // the second batch stored whole (table and both rollups), not acknowledged
    });
    await crash.of(await startIngest(spoolDir, crashing, new Registry(), 200));
    expect(await rollupCounts(driver, project)).toEqual({ rows: 400, minute: 400, hour: 400 });
    const cursor = join(spoolDir, 'cursor.json');
    const damaged = JSON.parse(await readFile(cursor, 'utf8')) as { inflight: { note?: string } };
    damaged.inflight.note = damaged.inflight.note!.slice(0, -3);
    await writeFile(cursor, JSON.stringify(damaged));
    expect(await countsOnceDrained(spoolDir, writer, project, 200)).toEqual({ rows: 400, minute: 400, hour: 400 });
  }, 60_000);

  it('the first batch after a start, never begun, some of whose rows another path stored (the Kafka shipper before a switch to spool mode): each counted once', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    // The shipper sent the first 100 records and the Kafka ingest stored them; the shipper's
    // cursor (the same file) never moved past them, and it never notes a batch in flight.
    await store.insertRequestRows(events.slice(0, 100).map((e) => encodeRequestEvent(e)), { dedupToken: 'kafka:events:0:0' });
    expect(await rollupCounts(driver, project)).toEqual({ rows: 100, minute: 100, hour: 100 });
    expect(await countsOnceDrained(spoolDir, writer, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
  }, 60_000);

  it('a damaged cursor: the spool is read again from its oldest segment, and nothing counts twice', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    const first = await startIngest(spoolDir, store, new Registry(), 100);
    await first.drainedTo(writer.position);
    await first.stop();
    expect(await rollupCounts(driver, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
    await writeFile(join(spoolDir, 'cursor.json'), '{"segment":');
    for (const e of Array.from({ length: 50 }, () => makeEvent({ project_id: project }))) writer.append(encodeRequestEvent(e));
    // Batches of 100: the first after the start is checked anyway, the two after it only as replayed.
    expect(await countsOnceDrained(spoolDir, writer, project, 100)).toEqual({ rows: 350, minute: 350, hour: 350 });
  }, 60_000);

  it('an event is taken for stored only by its own project and time: a request id chosen again elsewhere is not it', async () => {
    const victim = newProjectId();
    const other = newProjectId();
    const t = Date.now() - 60_000;
    const id = `client-chosen-${victim}`; // request ids may be chosen by clients (Periscope-Request-Id)
    await store.insertRequestRows([encodeRequestEvent(makeEvent({ project_id: other, created_at: t, request_id: id }))], { dedupToken: `planted-${victim}` });
    const bad = makeEvent({ project_id: other, created_at: t, status: 200 });
    const { spoolDir, writer } = await spooled(victim, [
      // The first batch after the start is checked against the table: another project holds the id.
      makeEvent({ project_id: victim, created_at: t, request_id: id }), makeEvent({ project_id: other, created_at: t + 1 }),
      // A batch with a row the engine refuses is checked too: the id again, later (another call).
      makeEvent({ project_id: victim, created_at: t + 5, request_id: id, status: 200 }), bad,
    ]);
    const corrupt = corrupter(new Set([bad.request_id]));
    const ingest = await startIngest(spoolDir, storeWith((target, rows, opts) => target.insertRequestRows(corrupt(rows), opts)), new Registry(), 2);
    try {
      await ingest.drainedTo(writer.position);
      expect(await rollupCounts(driver, victim)).toEqual({ rows: 2, minute: 2, hour: 2 });
    } finally {
      await ingest.stop();
      await writer.close();
    }
  }, 60_000);

  it('a first batch stopped before its first slice was noted (the store down at the start), some of whose rows the Kafka shipper had sent: each counted once', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    await store.insertRequestRows(events.slice(0, 100).map((e) => encodeRequestEvent(e)), { dedupToken: 'kafka:events:0:0' });
    // The check against the table fails: the batch is begun, and nothing of it is in flight yet.
    const down = storeReplacing('storedEvents', () => Promise.reject(new StoreError('store_unavailable', 'down')));
    const registry = new Registry();
    const ingest = await startIngest(spoolDir, down, registry);
    while (((await registry.getSingleMetric('periscope_ingest_insert_failures_total')!.get()).values[0]?.value ?? 0) < 1) await new Promise((r) => setTimeout(r, 20));
    await ingest.stop();
    expect(await countsOnceDrained(spoolDir, writer, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
  }, 60_000);

  it.each([
    ['the first batch after a start (checked against the table)', 0],
    ['a later batch (inserted whole)', 1],
  ])('stops at once while ClickHouse fails and the retries have backed off, in %s; the next start stores every row once', async (_, succeeding) => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    let inserts = 0;
    const failing = storeWith(async (target, rows, opts) => {
      if (++inserts > succeeding) throw new StoreError('store_unavailable', 'ClickHouse is down');
      await target.insertRequestRows(rows, opts);
    });
    const registry = new Registry();
    const ingest = await startIngest(spoolDir, failing, registry, 100);
    // Failures at 0, 0.1, 0.3, 0.7, 1.5 and 3.1 s: the next try is 3.2 s away.
    while (((await registry.getSingleMetric('periscope_ingest_insert_failures_total')!.get()).values[0]?.value ?? 0) < 6) await new Promise((r) => setTimeout(r, 20));
    const stopping = Date.now();
    await ingest.stop();
    expect(Date.now() - stopping).toBeLessThan(1000);
    expect(await countsOnceDrained(spoolDir, writer, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
  }, 60_000);

  it.each([
    ['the first batch after a start', 100, 100, undefined],
    ['a later batch', 120, 80, 100],
  ])('inserts %s whose rows fall in two months one month at a time: a kill inside the second month\'s insert counts nothing twice', async (_, november, december, maxBatch) => {
    const project = newProjectId();
    const at = (y: number, m: number, d: number) => Date.UTC(y, m, d, 23, 59, 0);
    const events = [
      ...Array.from({ length: november }, (_, i) => makeEvent({ project_id: project, created_at: at(2026, 10, 30) + i })),
      ...Array.from({ length: december }, (_, i) => makeEvent({ project_id: project, created_at: at(2026, 11, 1) + i })),
    ];
    const { spoolDir, writer } = await spooled(project, events);
    const monthsPerInsert: number[] = [];
    const crash = deathAfter();
    const crashing = storeWith(async (target, rows, opts) => {
      const months = new Set(rows.map((row) => new Date((JSON.parse(row.toString()) as { created_at: number }).created_at).getUTCMonth()));
      monthsPerInsert.push(months.size);
      // December's insert: the engine takes its token, and the kill comes before its part.
      if (months.has(11)) return lostPart(target, rows, opts, crash);
      return target.insertRequestRows(rows, opts);
    });
    await crash.of(await startIngest(spoolDir, crashing, new Registry(), maxBatch));
    expect(monthsPerInsert.every((n) => n === 1)).toBe(true);
    expect(await rollupCounts(driver, project)).toEqual({ rows: november, minute: november, hour: november });
    expect(await countsOnceDrained(spoolDir, writer, project, maxBatch)).toEqual({ rows: 200, minute: 200, hour: 200 });
  }, 60_000);

  it('rides out a spool directory that cannot be listed (out of file descriptors) without ending', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    const unhandled: unknown[] = [];
    const onUnhandled = (err: unknown) => unhandled.push(err);
    process.on('unhandledRejection', onUnhandled);
    let armed = false;
    const readdir = fs.readdirSync.bind(fs);
    const listing = vi.spyOn(fs, 'readdirSync').mockImplementation(((p: fs.PathLike, o?: unknown) => {
      if (armed && String(p) === spoolDir) {
        armed = false;
        throw Object.assign(new Error('EMFILE: too many open files, scandir'), { code: 'EMFILE' });
      }
      return readdir(p, o as never);
    }) as never);
    const ingest = await startIngest(spoolDir, storeWith(async (target, rows, opts) => {
      await target.insertRequestRows(rows, opts);
      armed = true;
    }));
    try {
      await ingest.drainedTo(writer.position);
      await new Promise((r) => setTimeout(r, 300));
      expect(await rollupCounts(driver, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
      expect(armed).toBe(false); // the listing failed once
      expect(unhandled.map(String)).toEqual([]);
    } finally {
      listing.mockRestore();
      process.off('unhandledRejection', onUnhandled);
      await ingest.stop();
      await writer.close();
    }
  }, 60_000);

  it('resumes an isolation a crash cut short: the slice in flight again with its token (a rollup that missed it is filled in once), no stored slice again', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 600 }, () => makeEvent({ project_id: project, status: 200 }));
    const canaries = new Set(events.filter((_, i) => i % 200 === 17).map((e) => e.request_id));
    const { spoolDir, writer } = await spooled(project, events);
    const corrupt = corrupter(canaries);
    // Isolating the canaries, the process dies in the middle of a slice that the engine stores
    // without it reaching the hourly rollup: the fourth slice it stores.
    const crash = deathAfter();
    const storedBefore = new Set<string>();
    let inFlight: string[] = [];
    let storedSlices = 0;
    const crashing = storeWith(async (target, rows, opts) => {
      // A refusal throws here, and the isolation goes on.
      if (storedSlices < 3) await target.insertRequestRows(corrupt(rows), opts);
      else await withoutView(driver, 'requests_rollup_1h_mv', () => target.insertRequestRows(corrupt(rows), opts));
      storedSlices += 1;
      if (storedSlices < 4) for (const id of idsOf(rows)) storedBefore.add(id);
      else {
        inFlight = idsOf(rows);
        await crash.die();
      }
    });
    await crash.of(await startIngest(spoolDir, crashing));
    const before = await rollupCounts(driver, project);
    expect(before.rows).toBe(storedBefore.size + inFlight.length);
    expect(before.hour).toBe(storedBefore.size);

    // The restart must not count on the engine remembering the tokens of the stored slices (it
    // keeps the last 1,000): none of their rows is inserted again, only the slice in flight.
    const inserts: string[][] = [];
    const resumed = storeWith((target, rows, opts) => {
      inserts.push(idsOf(rows));
      return target.insertRequestRows(corrupt(rows), opts);
    });
    const registry = new Registry();
    const again = await startIngest(spoolDir, resumed, registry);
    try {
      await again.drainedTo(writer.position);
      const expected = events.length - canaries.size;
      expect(await rollupCounts(driver, project)).toEqual({ rows: expected, minute: expected, hour: expected });
      expect(await registry.getSingleMetricAsString('periscope_events_dropped_total')).toContain(`periscope_events_dropped_total{reason="rejected_by_store"} ${canaries.size}`);
      expect(inserts[0]).toEqual(inFlight);
      expect(inserts.flat().filter((id) => storedBefore.has(id))).toEqual([]);
      expect(inserts.slice(1).flat().filter((id) => inFlight.includes(id))).toEqual([]);
    } finally {
      await again.stop();
      await writer.close();
    }
  }, 60_000);

  it('stores the rows of a batch whose token the engine recorded before a crash lost its part, twice in a row', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 300 }, () => makeEvent({ project_id: project }));
    const { spoolDir, writer } = await spooled(project, events);
    // The engine writes an insert's token to its deduplication log, then moves the part into
    // place; a kill in between leaves the token and no rows. The batch's own insert dies so,
    // then, after a restart, the insert of the rows the table lacks under another token.
    let batchToken = '';
    const dieOnBatchToken = (token: string) => (batchToken = token) !== '';
    for (const dies of [dieOnBatchToken, (token: string) => token !== batchToken]) {
      const crash = deathAfter();
      let lost = 0;
      await crash.of(await startIngest(spoolDir, storeWith((target, rows, opts) => {
        if (!dies(opts!.dedupToken!)) return target.insertRequestRows(rows, opts);
        lost += 1;
        return lostPart(target, rows, opts, crash);
      })));
      expect(lost).toBe(1);
      expect(await rollupCounts(driver, project)).toEqual({ rows: 0, minute: 0, hour: 0 });
    }
    expect(await countsOnceDrained(spoolDir, writer, project)).toEqual({ rows: 300, minute: 300, hour: 300 });
  }, 60_000);

  it('stores the rows of a slice whose token the engine recorded before a crash lost its part', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 600 }, () => makeEvent({ project_id: project, status: 200 }));
    const canaries = new Set(events.filter((_, i) => i % 200 === 17).map((e) => e.request_id));
    const { spoolDir, writer } = await spooled(project, events);
    const corrupt = corrupter(canaries);
    // Isolating the canaries, the first slice the engine would take dies with its part lost.
    const crash = deathAfter();
    const crashing = storeWith(async (target, rows, opts) => {
      if (!opts?.dedupToken?.includes('#') || idsOf(rows).some((id) => canaries.has(id))) {
        return target.insertRequestRows(corrupt(rows), opts); // refused (or the slices that will be)
      }
      return lostPart(target, rows, opts, crash);
    });
    await crash.of(await startIngest(spoolDir, crashing));
    expect((await rollupCounts(driver, project)).rows).toBe(0);

    const again = await startIngest(spoolDir, storeWith((target, rows, opts) => target.insertRequestRows(corrupt(rows), opts)));
    try {
      await again.drainedTo(writer.position);
      const expected = events.length - canaries.size;
      expect(await rollupCounts(driver, project)).toEqual({ rows: expected, minute: expected, hour: expected });
    } finally {
      await again.stop();
      await writer.close();
    }
  }, 60_000);
});

/** A spool of the project's own holding `events`. */
async function spooled(project: string, events: RequestEvent[]): Promise<{ spoolDir: string; writer: SpoolWriter }> {
  const spoolDir = join(dir, `spool-${project}`);
  const writer = await SpoolWriter.open(spoolDir, { maxBytes: 64 * 1024 * 1024 });
  for (const e of events) expect(writer.append(encodeRequestEvent(e)).ok).toBe(true);
  return { spoolDir, writer };
}

/** Rows as the engine refuses them when they hold a canary: a string where the status number goes. */
const corrupter = (canaries: ReadonlySet<string>) => (rows: readonly Buffer[]): Buffer[] => rows.map((row) => {
  const text = row.toString();
  return [...canaries].some((id) => text.includes(id)) ? Buffer.from(text.replace('"status":200', '"status":"two hundred"')) : row;
});

/**
 * An insert the engine took the token of and lost the part of (a kill between the two),
 * stood in for by one row of another project under the token; then the process dies.
 */
async function lostPart(target: Store, rows: readonly Buffer[], opts: Parameters<Store['insertRequestRows']>[1], crash: ReturnType<typeof deathAfter>): Promise<void> {
  // As old as the insert's first row: the same monthly partition, so the same block token.
  const { created_at } = JSON.parse(rows[0]!.toString()) as { created_at: number };
  // The views come after the table's part: a crash before that part leaves them without the token.
  await withoutView(driver, 'requests_rollup_1m_mv', () => target.insertRequestRows([encodeRequestEvent(makeEvent({ project_id: newProjectId(), created_at }))], opts));
  return crash.die();
}

const idsOf = (rows: readonly Buffer[]): string[] => rows.map((row) => (JSON.parse(row.toString()) as { request_id: string }).request_id);

/**
 * The ingest's process dying in an insert: die() stops the ingest where it is (the batch stays
 * in flight, unacknowledged) and fails the insert; of() resolves once that happened.
 */
function deathAfter(): { die: () => Promise<never>; of: (ingest: SpoolIngest) => Promise<void> } {
  let ingest: SpoolIngest | undefined;
  let died!: () => void;
  const dead = new Promise<void>((resolve) => (died = resolve));
  return {
    die: () => {
      void ingest!.stop().then(died);
      return Promise.reject(new StoreError('store_unavailable', 'the process died'));
    },
    of: (started) => {
      ingest = started;
      return dead;
    },
  };
}

type Insert = (target: Store, rows: readonly Buffer[], opts: Parameters<Store['insertRequestRows']>[1]) => Promise<void>;

/** The test's store with its inserts replaced. */
function storeWith(insert: Insert): Store {
  return storeReplacing('insertRequestRows', insert);
}

/** The test's store with one method replaced; the replacement gets the real store first. */
function storeReplacing<K extends 'insertRequestRows' | 'storedEvents'>(method: K, replacement: (target: Store, ...args: Parameters<Store[K]>) => ReturnType<Store[K]>): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop !== method) return Reflect.get(target, prop, receiver);
      return (...args: Parameters<Store[K]>) => replacement(target, ...args);
    },
  });
}

/** Resolves once the ingest counted `atLeast` failed cursor writes. */
async function cursorWriteFailures(registry: Registry, atLeast: number): Promise<void> {
  const counted = async () => (await registry.getSingleMetric('periscope_spool_cursor_write_failures_total')!.get()).values[0]?.value ?? 0;
  while ((await counted()) < atLeast) await new Promise((r) => setTimeout(r, 20));
}

/** The counts once a fresh ingest (with the real store) has drained the spool. */
async function countsOnceDrained(spoolDir: string, writer: SpoolWriter, project: string, maxBatch?: number): Promise<Awaited<ReturnType<typeof rollupCounts>>> {
  const again = await startIngest(spoolDir, store, new Registry(), maxBatch);
  try {
    await again.drainedTo(writer.position);
    return await rollupCounts(driver, project);
  } finally {
    await again.stop();
    await writer.close();
  }
}

function startIngest(spoolDir: string, on: Store, registry = new Registry(), maxBatch?: number): Promise<SpoolIngest> {
  return SpoolIngest.start({ dir: spoolDir, store: on, registry, metrics: createIngestMetrics(registry), log: quietLog as never, ...(maxBatch ? { maxBatch } : {}) });
}
