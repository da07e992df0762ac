import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import pino from 'pino';
import { StoreError, type RequestEvent, type Store } from '@periscope/clickhouse';
import { makeEvent } from '@periscope/clickhouse/testing';
import { BoundedEventQueue } from '@periscope/proxy';
import { BatchWriter } from './batch-writer.ts';
import { createIngestMetrics } from './ingest-metrics.ts';

/** A store whose inserts fail while `down` is true, as chDB does when its disk is full. */
function flakyStore() {
  const stored: RequestEvent[] = [];
  const state = { down: true, attempts: 0 };
  const store = {
    async insertRequests(events: RequestEvent[]) {
      state.attempts++;
      if (state.down) throw new Error('store down');
      stored.push(...events);
    },
  } as unknown as Store;
  return { store, stored, state };
}

describe('BatchWriter', () => {
  it('retries a failed batch until the store is back, losing and duplicating nothing', async () => {
    const { store, stored, state } = flakyStore();
    const queue = new BoundedEventQueue(10_000, { onEnqueued: () => {}, onDropped: () => {} });
    const writer = new BatchWriter({ queue, store, registry: new Registry(), metrics: createIngestMetrics(new Registry()), log: pino({ level: 'silent' }), lingerMs: 5, onLost: () => {}, onRejected: () => {} });
    writer.start();
    const events = Array.from({ length: 1200 }, () => makeEvent());
    for (const e of events.slice(0, 600)) queue.emit(e);
    await expect.poll(() => state.attempts, { timeout: 5000 }).toBeGreaterThan(2);
    for (const e of events.slice(600)) queue.emit(e);
    state.down = false;
    await writer.drained();
    await writer.stop();
    expect(stored.map((e) => e.request_id)).toEqual(events.map((e) => e.request_id));
  });

  it('counts what it could not write when the store stays down at shutdown', async () => {
    const { store } = flakyStore();
    const queue = new BoundedEventQueue(100, { onEnqueued: () => {}, onDropped: () => {} });
    let lost = 0;
    const writer = new BatchWriter({ queue, store, registry: new Registry(), metrics: createIngestMetrics(new Registry()), log: pino({ level: 'silent' }), lingerMs: 5, onLost: (n) => (lost += n), onRejected: () => {} });
    writer.start();
    for (let i = 0; i < 7; i++) queue.emit(makeEvent());
    await writer.stop();
    expect(lost).toBe(7);
  });

  it('drops (counted) only the events the store refuses as invalid', async () => {
    const stored: RequestEvent[] = [];
    const store = {
      async insertRequests(events: RequestEvent[]) {
        if (events.some((e) => e.project_id === 'bad')) throw new StoreError('invalid_event', 'refused');
        stored.push(...events);
      },
    } as unknown as Store;
    const queue = new BoundedEventQueue(100, { onEnqueued: () => {}, onDropped: () => {} });
    let rejected = 0;
    const writer = new BatchWriter({
      queue, store, registry: new Registry(), metrics: createIngestMetrics(new Registry()), log: pino({ level: 'silent' }),
      lingerMs: 5, onLost: () => {}, onRejected: (n) => (rejected += n),
    });
    writer.start();
    const events = [makeEvent(), makeEvent({ project_id: 'bad' }), makeEvent()];
    for (const e of events) queue.emit(e);
    await writer.drained();
    await writer.stop();
    expect(rejected).toBe(1);
    expect(stored.map((e) => e.request_id)).toEqual([events[0]!.request_id, events[2]!.request_id]);
  });
});
