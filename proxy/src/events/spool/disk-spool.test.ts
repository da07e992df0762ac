import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { DiskSpool, type DiskSpoolOptions, type SpoolLog } from './disk-spool.ts';
import { RECORD_HEADER_BYTES } from './segment-format.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../../../..');

let dir: string;
let logged: Array<{ obj: object; msg: string }>;
const log: SpoolLog = { error: (obj, msg) => logged.push({ obj, msg }) };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'periscope-spool-'));
  logged = [];
});

afterEach(async () => {
  vi.restoreAllMocks();
  await rm(dir, { recursive: true, force: true });
});

function open(opts: Partial<DiskSpoolOptions> = {}): Promise<DiskSpool> {
  return DiskSpool.open(dir, { maxBytes: 64 * 1024 * 1024, log, ...opts });
}

/** A JSON event of exactly `size` bytes whose sequence number survives the round trip. */
function event(seq: number, size = 100): Buffer {
  const head = `{"seq":${seq},"pad":"`;
  return Buffer.from(head + 'x'.repeat(size - head.length - 2) + '"}');
}

function seqOf(record: Buffer): number {
  return (JSON.parse(record.toString()) as { seq: number }).seq;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/** The drainer's loop with every produce acknowledged: oldest, read, remove. */
async function drainAll(spool: DiskSpool): Promise<number[]> {
  const seqs: number[] = [];
  for (let segment = await spool.oldest(); segment; segment = await spool.oldest()) {
    seqs.push(...(await segment.read()).map(seqOf));
    await spool.remove(segment);
  }
  return seqs;
}

async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

const RECORD = RECORD_HEADER_BYTES + 100;

describe('DiskSpool', () => {
  it('round-trips many records across several segments, oldest first', async () => {
    const spool = await open({ segmentBytes: 4096 });
    let seq = 0;
    for (let batch = 0; batch < 100; batch++) {
      const payloads = range(0, 1 + (batch % 17)).map(() => event(seq++, 20 + ((seq * 37) % 400)));
      expect(spool.append(payloads)).toEqual({ written: payloads.length, rejected: 0 });
    }
    expect(spool.records).toBe(seq);
    expect(spool.segments).toBeGreaterThan(5);
    const files = await segmentFiles();
    expect(files).toHaveLength(spool.segments);
    expect(files[0]).toBe('00000000000000000001.seg');
    const sizes = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(spool.bytes);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(4096);

    expect(await drainAll(spool)).toEqual(range(0, seq));
    expect([spool.records, spool.bytes, spool.segments]).toEqual([0, 0, 0]);
    expect(await segmentFiles()).toEqual([]);
    await spool.close();
  });

  it('enforces the byte cap exactly: the record that would cross it and all later ones are rejected', async () => {
    const spool = await open({ maxBytes: 10 * RECORD + 50, segmentBytes: 4 * RECORD });
    expect(spool.append(range(0, 15).map((i) => event(i)))).toEqual({ written: 10, rejected: 5 });
    expect(spool.bytes).toBe(10 * RECORD);
    // A smaller record that would still fit is rejected too: what is spooled stays a prefix.
    expect(spool.append([event(10), event(11, 20)])).toEqual({ written: 0, rejected: 2 });
    expect(spool.append([event(10, 43)])).toEqual({ written: 0, rejected: 1 });
    // Reaching the cap exactly is allowed.
    expect(spool.append([event(10, 42)])).toEqual({ written: 1, rejected: 0 });
    expect(spool.bytes).toBe(10 * RECORD + 50);

    // Draining frees room.
    const oldest = await spool.oldest();
    await spool.remove(oldest!);
    expect(spool.bytes).toBe(6 * RECORD + 50);
    expect(spool.append(range(20, 30).map((i) => event(i)))).toEqual({ written: 4, rejected: 6 });
    expect(spool.bytes).toBe(10 * RECORD + 50);
    // A record larger than the whole cap can never be spooled.
    expect(spool.append([event(99, 11 * RECORD)])).toEqual({ written: 0, rejected: 1 });
    await spool.close();
  });

  it('remove() deletes only the drained segment and updates the counters', async () => {
    const spool = await open({ segmentBytes: 3 * RECORD });
    spool.append(range(0, 10).map((i) => event(i)));
    expect(await segmentFiles()).toHaveLength(4);

    const first = await spool.oldest();
    expect(first!.id).toBe(1);
    expect((await first!.read()).map(seqOf)).toEqual([0, 1, 2]);
    // Asking again before remove() returns the same segment: nothing is skipped.
    expect(await spool.oldest()).toBe(first);
    await spool.remove(first!);
    await spool.remove(first!); // idempotent

    expect(await segmentFiles()).toEqual(['00000000000000000002.seg', '00000000000000000003.seg', '00000000000000000004.seg']);
    expect([spool.records, spool.bytes, spool.segments]).toEqual([7, 7 * RECORD, 3]);
    expect((await spool.oldest())!.id).toBe(2);
    await spool.close();
  });

  it('reopens after close with pending records, appends to a new segment and replays in order', async () => {
    const first = await open({ segmentBytes: 4 * RECORD });
    first.append(range(0, 10).map((i) => event(i)));
    await first.close();
    await first.close(); // idempotent

    const second = await open({ segmentBytes: 4 * RECORD });
    expect([second.records, second.bytes, second.segments, second.corruptRecords]).toEqual([10, 10 * RECORD, 3, 0]);
    second.append(range(10, 13).map((i) => event(i)));
    // The old tail segment (2 records, room for 2 more) is not appended to.
    expect(await segmentFiles()).toEqual([1, 2, 3, 4].map((id) => `${String(id).padStart(20, '0')}.seg`));
    expect(await drainAll(second)).toEqual(range(0, 13));
    await second.close();
    expect(logged).toEqual([]);
  });

  it('recovers from a torn tail and corrupt records: keeps everything before the damage, never throws', async () => {
    const spool = await open({ segmentBytes: 9 * RECORD });
    spool.append(range(0, 40).map((i) => event(i)));
    await spool.close();
    const files = await segmentFiles();
    expect(files).toHaveLength(5); // 9 + 9 + 9 + 9 + 4 records

    async function flipByte(file: string, offset: number): Promise<void> {
      const data = await readFile(join(dir, file));
      data[offset]! ^= 0xff;
      await writeFile(join(dir, file), data);
    }
    await flipByte(files[1]!, 3 * RECORD + RECORD_HEADER_BYTES + 10); // payload of seq 12
    await flipByte(files[3]!, 2); // length field of seq 27, the segment's first record
    await truncate(join(dir, files[4]!), 3 * RECORD + 50); // crash in the middle of seq 39

    const reopened = await open({ segmentBytes: 9 * RECORD });
    expect(reopened.corruptRecords).toBe(3);
    expect(reopened.corruptBytes).toBe(6 * RECORD + 9 * RECORD + 50);
    expect(logged).toHaveLength(3);
    expect(logged[0]!.msg).toMatch(/torn or corrupt record/);
    expect(reopened.records).toBe(9 + 3 + 9 + 3);
    // A segment with nothing readable is deleted; damaged ones are cut at the damage.
    expect(await segmentFiles()).toEqual([files[0], files[1], files[2], files[4]]);
    expect((await stat(join(dir, files[1]!))).size).toBe(3 * RECORD);

    expect(reopened.append([event(100)])).toEqual({ written: 1, rejected: 0 });
    expect(await segmentFiles()).toContain('00000000000000000006.seg');
    expect(await drainAll(reopened)).toEqual([...range(0, 12), ...range(18, 27), 36, 37, 38, 100]);
    await reopened.close();

    // The damage was cut off, so it is not counted again.
    const again = await open();
    expect(again.corruptRecords).toBe(0);
    await again.close();
  });

  it('treats a zero-filled tail (size persisted, data not) as torn, not as empty records', async () => {
    const spool = await open();
    spool.append([event(0), event(1)]);
    await spool.close();
    const [file] = await segmentFiles();
    await appendFile(join(dir, file!), Buffer.alloc(4096));

    const reopened = await open();
    expect([reopened.records, reopened.corruptRecords, reopened.corruptBytes]).toEqual([2, 1, 4096]);
    expect(await drainAll(reopened)).toEqual([0, 1]);
    await reopened.close();
  });

  it('fsyncs at most once per interval while appending, never when idle, and on close', async () => {
    const calls: Array<{ at: number; fd: number }> = [];
    const realFsync = fs.fsync;
    vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      calls.push({ at: performance.now(), fd });
      realFsync(fd, cb);
    }) as typeof fs.fsync);
    const interval = 50;
    const spool = await open({ fsyncIntervalMs: interval });

    const started = performance.now();
    for (let i = 0; i < 60; i++) {
      spool.append(range(0, 10).map((j) => event(i * 10 + j)));
      await sleep(5);
    }
    const elapsed = performance.now() - started;
    // One extra call: the directory fsync after the segment file was created.
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(elapsed / interval) + 2);
    const segmentFd = calls.at(-1)!.fd;
    const segmentSyncs = calls.filter((c) => c.fd === segmentFd);
    for (let i = 1; i < segmentSyncs.length; i++) {
      // Rounds start >= interval apart, but a call can lag its round's start (behind the
      // directory fsync, or a busy event loop), so the gap between calls gets some slack.
      expect(segmentSyncs[i]!.at - segmentSyncs[i - 1]!.at).toBeGreaterThanOrEqual(interval - 10);
    }

    await sleep(3 * interval);
    const settled = calls.length;
    await spool.flush(); // nothing written since the last sync: no fsync
    await sleep(3 * interval);
    expect(calls.length).toBe(settled);

    spool.append([event(1000)]);
    await spool.close();
    expect(calls.length).toBe(settled + 1);
    await sleep(2 * interval);
    expect(calls.length).toBe(settled + 1);
  });

  it('does not close a segment sealed during its fsync until the writes that raced it are fsynced', async () => {
    const realFsync = fs.fsync;
    const held: Array<{ fd: number; release: () => void }> = [];
    vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      held.push({ fd, release: () => realFsync(fd, cb) });
    }) as typeof fs.fsync);
    async function nextFsync(): Promise<{ fd: number; release: () => void }> {
      await vi.waitFor(() => expect(held).not.toHaveLength(0));
      return held.shift()!;
    }
    const spool = await open({ fsyncIntervalMs: 3_600_000 });

    spool.append([event(0)]);
    const firstFlush = spool.flush();
    (await nextFsync()).release(); // the directory (a segment file was created)
    const inFlight = await nextFsync();
    spool.append([event(1)]); // lands while the segment's fsync is running
    const segment = await spool.oldest(); // and the segment is sealed meanwhile
    inFlight.release();
    await firstFlush;

    const secondFlush = spool.flush();
    const again = await nextFsync();
    expect(again.fd).toBe(inFlight.fd);
    again.release();
    await secondFlush;
    expect((await segment!.read()).map(seqOf)).toEqual([0, 1]);
    vi.restoreAllMocks();
    await spool.close();
  });

  it('keeps order and counts when appends continue while the oldest segment is drained', async () => {
    const spool = await open({ segmentBytes: 20 * RECORD });
    spool.append(range(0, 5).map((i) => event(i)));
    const draining = await spool.oldest(); // seals the only segment
    expect(spool.append(range(5, 8).map((i) => event(i)))).toEqual({ written: 3, rejected: 0 });
    expect((await draining!.read()).map(seqOf)).toEqual(range(0, 5));
    expect(spool.records).toBe(8);
    await spool.remove(draining!);
    expect(spool.records).toBe(3);

    // Now a producer and a drainer running concurrently, with slow "acknowledgements".
    let produced = 8;
    let producing = true;
    const producer = (async () => {
      for (let i = 0; i < 200; i++) {
        const batch = range(produced, produced + 1 + (i % 9)).map((seq) => event(seq));
        expect(spool.append(batch)).toEqual({ written: batch.length, rejected: 0 });
        produced += batch.length;
        await sleep(i % 3);
      }
      producing = false;
    })();
    const drained: number[] = [];
    while (producing || spool.records > 0) {
      const segment = await spool.oldest();
      if (!segment) {
        await sleep(1);
        continue;
      }
      const records = await segment.read();
      expect(records).toHaveLength(segment.records);
      await sleep(2);
      drained.push(...records.map(seqOf));
      await spool.remove(segment);
    }
    await producer;
    expect(drained).toEqual(range(5, produced));
    expect([spool.records, spool.bytes, spool.segments]).toEqual([0, 0, 0]);
    expect(await segmentFiles()).toEqual([]);
    await spool.close();
  });

  it('a disk write failure rejects the rest of the batch and keeps the segment readable', async () => {
    const spool = await open();
    spool.append(range(0, 3).map((i) => event(i)));
    const realWrite = fs.writeSync;
    const enospc = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    vi.spyOn(fs, 'writeSync')
      // A partial write, then the disk is full: the file holds a torn record for a moment.
      .mockImplementationOnce(((fd: number, buf: Buffer, off: number, len: number) => realWrite(fd, buf, off, Math.floor(len / 2))) as typeof fs.writeSync)
      .mockImplementationOnce(() => {
        throw enospc;
      });
    const result = spool.append(range(3, 8).map((i) => event(i)));
    expect(result).toEqual({ written: 0, rejected: 5, error: enospc });
    expect((await stat(join(dir, '00000000000000000001.seg'))).size).toBe(3 * RECORD);

    // The failed segment is sealed; the next append starts a fresh one.
    expect(spool.append([event(8)])).toEqual({ written: 1, rejected: 0 });
    expect(await segmentFiles()).toHaveLength(2);
    expect([spool.records, spool.bytes]).toEqual([4, 4 * RECORD]);
    expect(await drainAll(spool)).toEqual([0, 1, 2, 8]);
    await spool.close();
  });

  it('a segment whose first write failed is skipped and deleted by the drainer', async () => {
    const spool = await open();
    vi.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
      throw new Error('EIO');
    });
    expect(spool.append([event(0)])).toMatchObject({ written: 0, rejected: 1 });
    expect(spool.append([event(1)])).toEqual({ written: 1, rejected: 0 });
    expect(await drainAll(spool)).toEqual([1]);
    expect(await segmentFiles()).toEqual([]);
    await spool.close();
  });

  it('reports records damaged on disk after they were written', async () => {
    const spool = await open();
    spool.append(range(0, 4).map((i) => event(i)));
    await spool.flush();
    const [file] = await segmentFiles();
    const data = await readFile(join(dir, file!));
    data[2 * RECORD + RECORD_HEADER_BYTES]! ^= 0x01;
    await writeFile(join(dir, file!), data);

    const segment = await spool.oldest();
    expect((await segment!.read()).map(seqOf)).toEqual([0, 1]);
    await segment!.read(); // a retry does not count the damage twice
    expect(spool.corruptRecords).toBe(1);
    expect(logged[0]!.msg).toMatch(/damaged on disk/);
    await spool.remove(segment!);
    expect([spool.records, spool.bytes]).toEqual([0, 0]);
    await spool.close();
  });

  it('loses nothing that reached write() when the process is SIGKILLed before any fsync', async () => {
    const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = `
      import fs from 'node:fs';
      import { DiskSpool } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'disk-spool.ts')).href)};
      fs.fsync = () => process.exit(3); // prove durability here owes nothing to fsync
      const spool = await DiskSpool.open(process.env.SPOOL_DIR, { maxBytes: 1e9, segmentBytes: 4096, fsyncIntervalMs: 3600000 });
      for (let seq = 0; seq < 1000; seq++) spool.append([Buffer.from(JSON.stringify({ seq }))]);
      process.kill(process.pid, 'SIGKILL');
    `;
    const outcome = await run(process.execPath, ['--import', loader, '--input-type=module', '--eval', child], {
      cwd: ROOT,
      env: { ...process.env, SPOOL_DIR: dir },
    }).catch((err: { signal?: string; code?: number }) => err);
    expect(outcome).toMatchObject({ signal: 'SIGKILL' });

    const spool = await open();
    expect(spool.corruptRecords).toBe(0);
    expect(await drainAll(spool)).toEqual(range(0, 1000));
    await spool.close();
  });

  it('creates an owner-only directory and segment files', async () => {
    const nested = join(dir, 'spool');
    const spool = await DiskSpool.open(nested, { maxBytes: 1024, log });
    spool.append([event(0)]);
    expect((await stat(nested)).mode & 0o777).toBe(0o700);
    expect((await stat(join(nested, '00000000000000000001.seg'))).mode & 0o777).toBe(0o600);
    await spool.close();
  });

  it('rejects appends after close and refuses empty payloads and bad options', async () => {
    const spool = await open();
    expect(() => spool.append([event(0), Buffer.alloc(0)])).toThrow(RangeError);
    expect(spool.records).toBe(0);
    await spool.close();
    expect(spool.append([event(0)])).toMatchObject({ written: 0, rejected: 1, error: expect.any(Error) });
    await expect(DiskSpool.open(dir, { maxBytes: 0 })).rejects.toThrow(/maxBytes/);
    await expect(DiskSpool.open(dir, { maxBytes: 1024, segmentBytes: 1.5 })).rejects.toThrow(/segmentBytes/);
    await expect(DiskSpool.open(dir, { maxBytes: 1024, fsyncIntervalMs: -1 })).rejects.toThrow(/fsyncIntervalMs/);
  });

  it('throughput: 10,000 records (2 KiB each)', async () => {
    const spool = await open();
    const payloads = range(0, 10_000).map((i) => event(i, 2048));
    const t0 = performance.now();
    for (let i = 0; i < payloads.length; i += 100) {
      expect(spool.append(payloads.slice(i, i + 100)).rejected).toBe(0);
    }
    const t1 = performance.now();
    await spool.flush();
    const t2 = performance.now();
    const drained = await drainAll(spool);
    const t3 = performance.now();
    expect(drained).toHaveLength(10_000);
    const rate = (ms: number): string => `${Math.round(10_000 / (ms / 1000)).toLocaleString('en-US')} records/s`;
    const mib = (10_000 * (2048 + RECORD_HEADER_BYTES)) / 2 ** 20;
    console.log(
      `disk spool throughput (10,000 x 2 KiB = ${mib.toFixed(1)} MiB): ` +
        `append ${rate(t1 - t0)} (${(t1 - t0).toFixed(1)} ms), fsync ${(t2 - t1).toFixed(1)} ms, ` +
        `read+remove ${rate(t3 - t2)} (${(t3 - t2).toFixed(1)} ms)`,
    );
    await spool.close();
  });
});
