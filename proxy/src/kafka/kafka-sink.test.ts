import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { makeEvent } from '@periscope/clickhouse/testing';
import { DiskSpool } from '../events/spool/disk-spool.ts';
import { KafkaSink, type EventMessage } from './kafka-sink.ts';

const quiet = { error() {}, warn() {}, info() {}, debug() {} };
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** A Kafka stand-in that can be taken down and brought back, recording what it acknowledged. */
function fakeKafka() {
  const acked: EventMessage[] = [];
  const state = { up: true };
  return {
    acked,
    state,
    transport: {
      async send(messages: EventMessage[]) {
        await new Promise((r) => setTimeout(r, 1));
        if (!state.up) throw new Error('broker unreachable');
        acked.push(...messages);
      },
    },
  };
}

async function sinkWith(opts: { maxBytes?: number; memoryMax?: number; onSpoolFull?: 'drop-newest' | 'fail-calls' } = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'periscope-sink-'));
  dirs.push(dir);
  const spool = await DiskSpool.open(dir, { maxBytes: opts.maxBytes ?? 64 * 1024 * 1024, fsyncIntervalMs: 20 });
  const kafka = fakeKafka();
  const registry = new Registry();
  const sink = new KafkaSink({
    transport: kafka.transport, spool, registry, log: quiet, memoryMax: opts.memoryMax ?? 1000,
    onSpoolFull: opts.onSpoolFull ?? 'drop-newest', retryMs: 20, lingerMs: 2,
  });
  const metric = async (name: string) => {
    const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
    return (m?.values as { value: number; labels: Record<string, string> }[] | undefined) ?? [];
  };
  return { sink, spool, kafka, metric };
}

const keysOf = (messages: EventMessage[]) => new Set(messages.map((m) => m.key));

/** The request ids left in a spool directory after the sink closed. */
async function spooledIds(dir: string): Promise<string[]> {
  const spool = await DiskSpool.open(dir, { maxBytes: 64 * 1024 * 1024 });
  const ids: string[] = [];
  for (let segment = await spool.oldest(); segment; segment = await spool.oldest()) {
    for (const record of await segment.read()) ids.push((JSON.parse(record.toString()) as { request_id: string }).request_id);
    await spool.remove(segment);
  }
  await spool.close();
  return ids;
}

describe('KafkaSink', () => {
  it('produces keyed by request_id while Kafka is up', async () => {
    const { sink, kafka, spool } = await sinkWith();
    const events = Array.from({ length: 300 }, () => makeEvent());
    for (const e of events) sink.emit(e);
    await expect.poll(() => kafka.acked.length).toBe(300);
    expect(kafka.acked.map((m) => m.key)).toEqual(events.map((e) => e.request_id));
    expect(JSON.parse(kafka.acked[0]!.value.toString())).toEqual(events[0]);
    expect(spool.records).toBe(0);
    await sink.close();
  });

  it('spools while Kafka is down and replays everything once it is back', async () => {
    const { sink, kafka, spool, metric } = await sinkWith({ memoryMax: 50 });
    kafka.state.up = false;
    const events = Array.from({ length: 2000 }, () => makeEvent());
    for (const e of events.slice(0, 1000)) sink.emit(e);
    await expect.poll(() => spool.records).toBeGreaterThan(900);
    for (const e of events.slice(1000)) sink.emit(e);
    kafka.state.up = true;
    await expect.poll(() => keysOf(kafka.acked).size, { timeout: 10_000 }).toBe(2000);
    await expect.poll(() => spool.records).toBe(0);
    expect(keysOf(kafka.acked)).toEqual(new Set(events.map((e) => e.request_id)));
    expect((await metric('periscope_events_spooled_total'))[0]!.value).toBeGreaterThan(900);
    expect((await metric('periscope_events_replayed_total'))[0]!.value).toBeGreaterThan(900);
    await sink.close();
  });

  it('drops the newest, counted, when the spool is full (drop-newest); sent == stored + dropped', async () => {
    const { sink, kafka, metric } = await sinkWith({ maxBytes: 64 * 1024, memoryMax: 10 });
    kafka.state.up = false;
    const n = 500;
    for (let i = 0; i < n; i++) sink.emit(makeEvent());
    await new Promise((r) => setTimeout(r, 100));
    expect(sink.admit()).toBe(true); // drop-newest never refuses calls
    kafka.state.up = true;
    await sink.close();
    const dropped = (await metric('periscope_events_dropped_total')).find((v) => v.labels.reason === 'spool_full')?.value ?? 0;
    expect(dropped).toBeGreaterThan(0);
    // Everything not dropped is acknowledged or still spooled for the next start (or both:
    // a segment cut short by close() is replayed whole, at-least-once, so count ids).
    const delivered = new Set([...keysOf(kafka.acked), ...(await spooledIds(dirs[0]!))]);
    expect(delivered.size + dropped).toBe(n);
  });

  it('refuses calls while the spool is full under fail-calls, and admits again after the drain', async () => {
    const { sink, kafka } = await sinkWith({ maxBytes: 32 * 1024, memoryMax: 1, onSpoolFull: 'fail-calls' });
    kafka.state.up = false;
    for (let i = 0; i < 200 && sink.admit(); i++) sink.emit(makeEvent());
    await expect.poll(() => sink.admit()).toBe(false);
    kafka.state.up = true;
    await expect.poll(() => sink.admit(), { timeout: 5000 }).toBe(true);
    await sink.close();
  });

  it('on close, hands what is in memory to the spool when Kafka is down', async () => {
    const { sink, kafka } = await sinkWith({ memoryMax: 10_000 });
    kafka.state.up = false;
    for (let i = 0; i < 100; i++) sink.emit(makeEvent());
    await sink.close();
    expect(new Set([...keysOf(kafka.acked), ...(await spooledIds(dirs[0]!))]).size).toBe(100);
  });

  it('cuts sends below the broker limit, and drops (counted) a lone event the broker refuses as too large', async () => {
    const { sink, kafka, metric } = await sinkWith();
    const sizes: number[] = [];
    const send = kafka.transport.send;
    kafka.transport.send = async (messages) => {
      const bytes = messages.reduce((n, m) => n + m.value.length + m.key.length, 0);
      sizes.push(bytes);
      if (bytes > 1024 * 1024) throw Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
      return send(messages);
    };
    const big = Array.from({ length: 40 }, () => makeEvent({ request_body: 'x'.repeat(100_000) }));
    const huge = makeEvent({ request_body: 'y'.repeat(1_200_000) });
    for (const e of [...big, huge]) sink.emit(e);
    await expect.poll(() => kafka.acked.length).toBe(40);
    await expect.poll(async () => (await metric('periscope_events_dropped_total')).find((v) => v.labels.reason === 'too_large_for_kafka')?.value).toBe(1);
    expect(Math.max(...sizes.slice(0, -1))).toBeLessThanOrEqual(768 * 1024);
    await sink.close();
  });
});
