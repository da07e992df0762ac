import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RESENT_HEADER, type RequestEvent } from '@periscope/contract';
import { makeEvent } from '@periscope/contract/testing';
import { randomBytes } from 'node:crypto';
import { SpoolReader, SpoolWriter } from '@periscope/spool';
import { SpoolShipper, type EventMessage, type SpoolShipperOptions } from './spool-shipper.ts';
import { BODY_TOO_LARGE_FOR_KAFKA } from './shrink-event.ts';

const log = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-shipper-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const event = (id: string) => Buffer.from(JSON.stringify({ request_id: id, event_version: 2 }));

/** Ships `records` spooled events with `send`, then stops; returns every acknowledged send's messages in order. */
async function ship(records: number, send: (m: EventMessage[]) => Promise<void>): Promise<EventMessage[][]> {
  const sent: EventMessage[][] = [];
  const reader = await SpoolReader.open(dir, { log });
  const shipper: SpoolShipper = new SpoolShipper({
    reader, log, batchMax: 2, idleMs: 5, retryMs: 5,
    transport: {
      send: async (m) => {
        await send(m);
        sent.push(m);
        if (sent.flat().length >= records) shipper.stop();
      },
    },
  });
  await shipper.run();
  reader.close();
  return sent;
}

describe('SpoolShipper', () => {
  it('marks only its first batch after a start as resent, also across a failed send, keyed by request id', async () => {
    const writer = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    for (const id of ['a', 'b', 'c', 'd', 'e']) writer.append(event(id));
    await writer.flush();

    let failures = 1;
    const first = await ship(5, async () => {
      if (failures-- > 0) throw new Error('broker down');
    });
    expect(first.map((batch) => batch.map((m) => m.key))).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(first.map((batch) => batch.every((m) => m.headers?.[RESENT_HEADER] === '1'))).toEqual([true, false, false]);

    // A new shipper on the same spool marks its own first batch again (its predecessor may have
    // been killed after a send, before its commit).
    writer.append(event('f'));
    await writer.flush();
    const second = await ship(1, async () => {});
    expect(second.map((batch) => batch.map((m) => [m.key, m.headers?.[RESENT_HEADER]]))).toEqual([[['f', '1']]]);
    await writer.close();
  });

  it('marks every message it sends again after a failed send as resent: the broker may have appended it', async () => {
    const writer = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    for (const id of ['a', 'b', 'c', 'd', 'e']) writer.append(event(id));
    await writer.flush();
    let sends = 0;
    const sent = await ship(5, async () => {
      // The second send fails (as a lost acknowledgement does), once.
      if (++sends === 2) throw new Error('Request timed out');
    });
    expect(sent.map((batch) => batch.map((m) => [m.key, m.headers?.[RESENT_HEADER]]))).toEqual([
      [['a', '1'], ['b', '1']],
      [['c', '1'], ['d', '1']],
      [['e', undefined]],
    ]);
    await writer.close();
  });

  it('marks as resent every batch it reads again after its cursor was damaged', async () => {
    const writer = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    for (const id of ['a', 'b', 'c', 'd', 'e']) writer.append(event(id));
    await writer.flush();
    await ship(5, async () => {});
    await writeFile(join(dir, 'cursor.json'), '{"segment":');
    const again = await ship(5, async () => {});
    expect(again.map((batch) => batch.map((m) => [m.key, m.headers?.[RESENT_HEADER]]))).toEqual([
      [['a', '1'], ['b', '1']],
      [['c', '1'], ['d', '1']],
      [['e', '1']],
    ]);
    await writer.close();
  });

  it('waits out a cursor it cannot write (a full disk), counted, and sends each batch once', async () => {
    const writer = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    for (const id of ['a', 'b', 'c']) writer.append(event(id));
    await writer.flush();
    // The cursor is written to cursor.json.tmp, then renamed: a directory there fails every write.
    const blocker = join(dir, 'cursor.json.tmp');
    await mkdir(blocker);
    const reader = await SpoolReader.open(dir, { log });
    const sent: string[][] = [];
    const shipper: SpoolShipper = new SpoolShipper({
      reader, log, batchMax: 2, idleMs: 5, retryMs: 5, lingerMs: 5,
      transport: { send: async (m) => void sent.push(m.map((x) => x.key)) },
    });
    const running = shipper.run();
    await expect.poll(() => shipper.stats.cursorWriteFailures).toBeGreaterThanOrEqual(3);
    expect(sent).toEqual([['a', 'b']]);
    expect(shipper.stats.produced).toBe(0);
    await rmdir(blocker);
    await expect.poll(() => shipper.stats.produced).toBe(3);
    shipper.stop();
    await running;
    reader.close();
    expect(sent).toEqual([['a', 'b'], ['c']]);
    const after = await SpoolReader.open(dir, { log });
    expect(after.backlogBytes()).toBe(0);
    after.close();
    await writer.close();
  });

  it('splits a batch the broker calls too large, marks the halves as resent, and drops only the offender, counted', async () => {
    const writer = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    const big = Buffer.from(JSON.stringify({ request_id: 'big', event_version: 2, pad: 'x'.repeat(2000) }));
    for (const value of [event('a'), event('b'), event('c'), big, event('d'), event('e')]) writer.append(value);
    await writer.flush();
    const reader = await SpoolReader.open(dir, { log });
    const sent: EventMessage[][] = [];
    const reported: [number, number][] = [];
    const shipper: SpoolShipper = new SpoolShipper({
      reader, log, batchMax: 3, idleMs: 5, retryMs: 5, onCommitted: () => reported.push([shipper.stats.produced, shipper.stats.tooLarge]),
      transport: {
        send: async (m) => {
          // A partition of the request may have been appended before another refused it.
          if (m.some((x) => x.value.length > 1000)) throw Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
          sent.push(m);
          if (sent.flat().length >= 5) shipper.stop();
        },
      },
    });
    await shipper.run();
    reader.close();
    expect(sent.map((batch) => batch.map((m) => [m.key, m.headers?.[RESENT_HEADER]]))).toEqual([
      [['a', '1'], ['b', '1'], ['c', '1']],
      [['d', '1']],
      [['e', '1']],
    ]);
    expect(shipper.stats).toMatchObject({ produced: 5, tooLarge: 1 });
    // Reported right after each committed batch (the drop with the batch that dropped it), not
    // with the next periodic stats, which a shipper killed meanwhile would never send.
    expect(reported).toEqual([[3, 0], [5, 1]]);
    await writer.close();
  });

  it('sends an event the broker calls too large again with its bodies clipped, then withheld, before it would drop it: the call keeps its row', async () => {
    const writer = await SpoolWriter.open(dir, { maxBytes: 8 << 20, log });
    const text = (bytes: number) => randomBytes(bytes * 0.75).toString('base64');
    const events = [
      makeEvent({ request_id: 'clip', request_body: text(300_000), response_body: text(10_000) }),
      makeEvent({ request_id: 'withhold', request_body: text(300_000), response_body: text(300_000) }),
      makeEvent({ request_id: 'drop', request_body: text(300_000), user_agent: 'u'.repeat(120_000) }),
      makeEvent({ request_id: 'small' }),
    ];
    for (const e of events) writer.append(Buffer.from(JSON.stringify(e)));
    await writer.flush();
    const reader = await SpoolReader.open(dir, { log });
    const sent: EventMessage[] = [];
    const shipper: SpoolShipper = new SpoolShipper({
      reader, log, batchMax: 10, idleMs: 5, retryMs: 5,
      transport: {
        send: async (m) => {
          // The broker's limit: 100 KB a message (the bodies clipped to 64 KB each fit when one is short).
          if (m.some((x) => x.value.length > 100_000)) throw Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
          sent.push(...m);
          if (sent.length >= 3) shipper.stop();
        },
      },
    });
    await shipper.run();
    reader.close();
    await writer.close();
    const got = new Map(sent.map((m) => [m.key, JSON.parse(m.value.toString()) as RequestEvent]));
    expect([...got.keys()].sort()).toEqual(['clip', 'small', 'withhold']);
    const clip = got.get('clip')!;
    expect([clip.request_body.length, clip.request_truncated, clip.response_body === events[0]!.response_body, clip.response_truncated]).toEqual([64 * 1024, true, true, false]);
    expect(clip.request_body).toBe(events[0]!.request_body.slice(0, 64 * 1024));
    expect([got.get('withhold')!.request_body, got.get('withhold')!.response_body]).toEqual([BODY_TOO_LARGE_FOR_KAFKA, BODY_TOO_LARGE_FOR_KAFKA]);
    // Everything but the bodies as it was; marked resent, as any message sent again is.
    expect(Object.assign({}, clip, { request_body: '', response_body: '', request_truncated: false })).toEqual(Object.assign({}, events[0], { request_body: '', response_body: '' }));
    expect(sent.filter((m) => m.key !== 'small').every((m) => m.headers?.[RESENT_HEADER] === '1')).toBe(true);
    expect(shipper.stats).toMatchObject({ produced: 3, shrunk: 2, tooLarge: 1 });
  });

  it('reports Kafka up once the broker answered, even when it then refused every smaller version of an event (helper-75)', async () => {
    const writer = await SpoolWriter.open(dir, { maxBytes: 8 << 20, log });
    writer.append(Buffer.from(JSON.stringify(makeEvent({ request_id: 'big', request_body: 'q'.repeat(200_000) }))));
    await writer.flush();
    const reader = await SpoolReader.open(dir, { log });
    let sends = 0;
    const shipper: SpoolShipper = new SpoolShipper({
      reader, log, batchMax: 10, idleMs: 5, retryMs: 5,
      transport: {
        send: async () => {
          // Too large; then the network fails once; then too large, whatever is sent.
          if (++sends === 2) throw new Error('connection reset');
          if (sends >= 4) shipper.stop();
          throw Object.assign(new Error('too large'), { type: 'MESSAGE_TOO_LARGE' });
        },
      },
    });
    await shipper.run();
    reader.close();
    await writer.close();
    expect(shipper.stats).toMatchObject({ tooLarge: 1, shrunk: 0, kafkaUp: true });
  });

  it('drains a backlog that spans segments without pausing at the end of each', async () => {
    const writer = await SpoolWriter.open(dir, { maxBytes: 1 << 20, segmentBytes: 4096, log });
    for (let i = 0; i < 400; i++) writer.append(event(`b${i}`));
    await writer.close();
    expect((await readdir(dir)).filter((f) => f.endsWith('.seg')).length).toBeGreaterThanOrEqual(4);
    const reader = await SpoolReader.open(dir, { log });
    let shipped = 0;
    // Reads of up to 3 KiB: each 4 KiB segment ends in a read under half of that, which is not
    // full; a pause there would take 5 s per segment.
    const shipper: SpoolShipper = new SpoolShipper({
      reader, log, batchMaxBytes: 3072, idleMs: 5, lingerMs: 5000,
      transport: {
        send: async (m) => {
          shipped += m.length;
          if (shipped >= 400) shipper.stop();
        },
      },
    });
    const started = performance.now();
    await shipper.run();
    reader.close();
    expect(shipped).toBe(400);
    expect(performance.now() - started).toBeLessThan(4000);
  });

  /** Spools `events` one every `everyMs` while a shipper with `options` runs; the size of each send, and how long the spooling took. */
  async function trickle(events: number, everyMs: number, options: Partial<SpoolShipperOptions>): Promise<{ sends: number[]; spoolingMs: number }> {
    const writer = await SpoolWriter.open(dir, { maxBytes: 1 << 20, log });
    const reader = await SpoolReader.open(dir, { log });
    const sends: number[] = [];
    const shipper = new SpoolShipper({ reader, log, ...options, transport: { send: async (m) => void sends.push(m.length) } });
    const running = shipper.run();
    const started = performance.now();
    for (let i = 0; i < events; i++) {
      writer.append(event(`t${i}`));
      await new Promise((r) => setTimeout(r, everyMs));
    }
    await writer.flush();
    const spoolingMs = performance.now() - started;
    shipper.stop(2000);
    await running;
    reader.close();
    await writer.close();
    expect(sends.reduce((a, b) => a + b, 0)).toBe(events);
    return { sends, spoolingMs };
  }

  it('lingers after a batch that was not full: a steady trickle of calls makes a few large sends', async () => {
    // One event every 5 ms for about 600 ms, as a gateway at 200 calls/s spools them.
    const { sends } = await trickle(120, 5, { batchMax: 1000, idleMs: 5, lingerMs: 200 });
    // Without the pause the shipper would send every read: one or two events each time.
    expect(sends.length).toBeLessThanOrEqual(6);
  });

  it('by default sends about twice a second under a steady load (each send costs the broker and the shipper CPU)', async () => {
    // About a second of calls at up to 500/s (timers fire later on a busy machine).
    const { sends, spoolingMs } = await trickle(500, 2, {});
    // The first event after the start goes at once, then one send per 500 ms linger, and what is
    // left at the stop; a 100 ms linger made five times as many.
    expect(sends.length).toBeLessThanOrEqual(2 + Math.ceil(spoolingMs / 500));
  });
});
