import { describe, expect, it } from 'vitest';
import { makeEvent } from '@periscope/clickhouse/testing';
import { BoundedEventQueue } from './sink.ts';

function counted(capacity: number) {
  const counts = { enqueued: 0, queue_full: 0, closed: 0 };
  const queue = new BoundedEventQueue(capacity, {
    onEnqueued: () => counts.enqueued++,
    onDropped: (reason) => counts[reason]++,
  });
  return { queue, counts };
}

describe('BoundedEventQueue', () => {
  it('keeps FIFO order and drops the newest, counted, when full', () => {
    const { queue, counts } = counted(3);
    const events = Array.from({ length: 5 }, () => makeEvent());
    for (const e of events) queue.emit(e);
    expect(counts).toEqual({ enqueued: 3, queue_full: 2, closed: 0 });
    expect(queue.take(10).map((e) => e.request_id)).toEqual(events.slice(0, 3).map((e) => e.request_id));
    expect(queue.length).toBe(0);
  });

  it('puts a failed batch back at the head', () => {
    const { queue } = counted(10);
    const [a, b, c] = [makeEvent(), makeEvent(), makeEvent()];
    queue.emit(a);
    queue.emit(b);
    const batch = queue.take(2);
    queue.emit(c);
    queue.unshift(batch);
    expect(queue.take(10)).toEqual([a, b, c]);
  });

  it('wakes a waiting writer on emit, and counts events emitted after close', async () => {
    const { queue, counts } = counted(10);
    const waiting = queue.waitForEvents(10_000);
    queue.emit(makeEvent());
    await waiting;
    queue.close();
    queue.emit(makeEvent());
    expect(counts.closed).toBe(1);
    await queue.waitForEvents(10_000); // returns at once once closed
  });

  it('stays bounded in memory under sustained overload', () => {
    const { queue, counts } = counted(1000);
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 2000; i++) queue.emit(makeEvent());
      queue.take(500);
    }
    expect(queue.length).toBe(500); // full at 1000, then one take of 500
    expect(counts.enqueued + counts.queue_full).toBe(100_000);
  });
});
