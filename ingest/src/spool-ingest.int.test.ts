import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { encodeRequestEvent } from '@periscope/contract';
import { openStore, StoreError, type Store } from '@periscope/clickhouse';
import { makeEvent, newProjectId } from '@periscope/clickhouse/testing';
import { SpoolWriter } from '@periscope/spool';
import { createIngestMetrics } from './ingest-metrics.ts';
import { SpoolIngest } from './spool-ingest.ts';

const quietLog = { error() {}, warn() {}, info() {}, debug() {}, fatal() {}, trace() {}, child() { return quietLog; }, level: 'silent', silent() {} };

let dir: string;
let store: Store;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-spool-ingest-'));
  store = await openStore({ dataDir: join(dir, 'chdb') });
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
          return target.insertRequestRows(rows.map((row) => {
            const text = row.toString();
            return [...canaries].some((id) => text.includes(id)) ? Buffer.from(text.replace('"status":200', '"status":"two hundred"')) : row;
          }), opts);
        };
      },
    });
    const spoolDir = join(dir, `spool-${project}`);
    const writer = await SpoolWriter.open(spoolDir, { maxBytes: 64 * 1024 * 1024 });
    for (const e of events) expect(writer.append(encodeRequestEvent(e)).ok).toBe(true);
    const registry = new Registry();
    const metrics = createIngestMetrics(registry);
    const ingest = await SpoolIngest.start({ dir: spoolDir, store: corrupting, registry, metrics, log: quietLog as never });
    try {
      await ingest.drainedTo(writer.position);
      const stored = await store.storedRequestIds(events);
      expect(stored.size).toBe(events.length - canaries.size);
      expect([...canaries].filter((id) => stored.has(id))).toEqual([]);
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

  it('starts by leaving out the rows of its first batch stored already (a crash cut an isolation short), so none counts twice', async () => {
    const project = newProjectId();
    const events = Array.from({ length: 400 }, () => makeEvent({ project_id: project }));
    // As slices of an isolation stored them before the crash, under tokens of their own.
    await store.insertRequestRows(events.slice(100, 200).map(encodeRequestEvent), { dedupToken: `spool:before-the-crash:${project}` });
    const spoolDir = join(dir, `spool-${project}`);
    const writer = await SpoolWriter.open(spoolDir, { maxBytes: 64 * 1024 * 1024 });
    for (const e of events) expect(writer.append(encodeRequestEvent(e)).ok).toBe(true);
    const registry = new Registry();
    const ingest = await SpoolIngest.start({ dir: spoolDir, store, registry, metrics: createIngestMetrics(registry), log: quietLog as never });
    try {
      await ingest.drainedTo(writer.position);
      expect((await store.storedRequestIds(events)).size).toBe(400);
      const from = Math.min(...events.map((e) => e.created_at)) - 60_000;
      expect((await store.metricsSummary({ projectIds: [project], from, to: Date.now() + 60_000 })).current.requests).toBe(400);
    } finally {
      await ingest.stop();
      await writer.close();
    }
  }, 60_000);
});
