import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import fs from 'node:fs';
import { execFile } from 'node:child_process';
import { appendFile, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { SpoolWriter, type SpoolLog, type SpoolWriterOptions } from './spool-writer.ts';
import { SpoolReader, type SpoolBatch } from './spool-reader.ts';
import { RECORD_HEADER_BYTES, segmentFileName } from './segment-format.ts';
import { CURSOR_FILE } from './spool-cursor.ts';

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');

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

function openWriter(opts: Partial<SpoolWriterOptions> = {}): Promise<SpoolWriter> {
  return SpoolWriter.open(dir, { maxBytes: 64 * 1024 * 1024, log, ...opts });
}

let damaged = 0;
function openReader(): Promise<SpoolReader> {
  damaged = 0;
  return SpoolReader.open(dir, { log, onDamage: () => (damaged += 1) });
}

/** A JSON event of exactly `size` bytes whose sequence number survives the round trip. */
function event(seq: number, size = 100): Buffer {
  const head = `{"seq":${seq},"pad":"`;
  return Buffer.from(head + 'x'.repeat(size - head.length - 2) + '"}');
}

const seqOf = (record: Buffer): number => (JSON.parse(record.toString()) as { seq: number }).seq;
const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** A consumer's loop with every batch acknowledged: read, begin, commit, until nothing is left. */
async function drainAll(reader: SpoolReader, maxRecords = 50, maxBytes = 64 * 1024): Promise<number[]> {
  const seqs: number[] = [];
  for (let batch = await reader.read(maxRecords, maxBytes); batch; batch = await reader.read(maxRecords, maxBytes)) {
    await reader.begin(batch);
    seqs.push(...batch.records.map(seqOf));
    await reader.commit(batch);
  }
  return seqs;
}

async function segmentFiles(): Promise<string[]> {
  return (await readdir(dir)).filter((name) => name.endsWith('.seg')).sort();
}

const RECORD = RECORD_HEADER_BYTES + 100;

describe('event spool (writer and reader)', () => {
  it('round-trips many records across segments in order, and deletes each segment once consumed and final', async () => {
    const writer = await openWriter({ segmentBytes: 4096 });
    let seq = 0;
    for (let i = 0; i < 1000; i++) expect(writer.append(event(seq++, 20 + ((seq * 37) % 400)))).toEqual({ ok: true });
    const files = await segmentFiles();
    expect(files.length).toBeGreaterThan(5);
    const sizes = await Promise.all(files.map(async (f) => (await stat(join(dir, f))).size));
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(writer.bytes);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(4096);

    const reader = await openReader();
    expect(await drainAll(reader)).toEqual(range(0, 1000));
    // Every segment but the one still being written was deleted.
    expect(await segmentFiles()).toEqual([files.at(-1)]);
    reader.close();
    await writer.close();
  });

  it('tails the segment being written: new records show up in the next read', async () => {
    const writer = await openWriter();
    const reader = await openReader();
    expect(await reader.read(10, 1 << 20)).toBeNull();
    writer.append(event(0));
    writer.append(event(1));
    expect(await drainAll(reader)).toEqual([0, 1]);
    expect(await reader.read(10, 1 << 20)).toBeNull();
    writer.append(event(2));
    expect(await drainAll(reader)).toEqual([2]);
    reader.close();
    await writer.close();
  });

  it('bounds a batch by records and bytes, but hands on a single larger record alone', async () => {
    const writer = await openWriter();
    for (let i = 0; i < 10; i++) writer.append(event(i));
    writer.append(event(10, 5000));
    const reader = await openReader();
    const sizes: number[] = [];
    for (let batch = await reader.read(4, 3 * RECORD); batch; batch = await reader.read(4, 3 * RECORD)) {
      sizes.push(batch.records.length);
      await reader.commit(batch);
    }
    expect(sizes).toEqual([3, 3, 3, 1, 1]);
    reader.close();
    await writer.close();
  });

  it('hands on the same batch with the same token after a crash between begin and commit', async () => {
    const writer = await openWriter();
    for (let i = 0; i < 20; i++) writer.append(event(i));
    const first = await openReader();
    const batch = (await first.read(5, 1 << 20))!;
    await first.begin(batch);
    first.close(); // the process dies before commit
    for (let i = 20; i < 30; i++) writer.append(event(i)); // more arrives meanwhile

    const second = await openReader();
    const again = (await second.read(50, 1 << 20))!;
    expect(again.records.map(seqOf)).toEqual([0, 1, 2, 3, 4]);
    expect(again.token).toBe(batch.token);
    expect(again.note).toBeUndefined();
    // The consumer notes how far it got; a reader restarted then gets the batch with the note.
    await second.begin(again, 'isolating:0-2');
    second.close();
    const noted = await openReader();
    const withNote = (await noted.read(50, 1 << 20))!;
    expect(withNote.records.map(seqOf)).toEqual([0, 1, 2, 3, 4]);
    expect([withNote.token, withNote.note]).toEqual([batch.token, 'isolating:0-2']);
    await noted.commit(withNote);
    noted.close();
    const fourth = await openReader();
    const next = (await fourth.read(50, 1 << 20))!;
    expect(next.note).toBeUndefined(); // a note belongs to its batch only
    expect(next.records.map(seqOf)).toEqual(range(5, 30));
    await fourth.commit(next);
    fourth.close();

    // A committed batch is never handed on again.
    const third = await openReader();
    expect(await third.read(50, 1 << 20)).toBeNull();
    third.close();
    await writer.close();
  });

  it('reads the spool again from its oldest segment after its cursor was damaged, what was there at open marked as replayed', async () => {
    const writer = await openWriter({ segmentBytes: 4096 });
    for (let seq = 0; seq < 100; seq++) writer.append(event(seq));
    const first = await openReader();
    expect(await drainAll(first)).toEqual(range(0, 100));
    first.close();
    await writeFile(join(dir, 'cursor.json'), '{"segment":');
    const again = await openReader();
    expect(logged.map((l) => l.msg)).toEqual([expect.stringMatching(/the cursor is damaged/)]);
    for (let seq = 100; seq < 110; seq++) writer.append(event(seq));
    const batches: Array<{ seqs: number[]; replayed: boolean }> = [];
    for (let batch = await again.read(50, 64 * 1024); batch; batch = await again.read(50, 64 * 1024)) {
      batches.push({ seqs: batch.records.map(seqOf), replayed: batch.replayed === true });
      await again.commit(batch);
    }
    // Consumed segments were deleted; the newest one is read again whole, as replayed (a batch
    // that reaches past the end at open is replayed too); what was appended later is not.
    const seqs = batches.flatMap((b) => b.seqs);
    expect(seqs).toEqual(range(seqs[0]!, 110));
    expect(seqs[0]).toBeLessThan(100);
    expect(batches.filter((b) => b.seqs.some((n) => n < 100)).every((b) => b.replayed)).toBe(true);
    expect(batches.filter((b) => !b.replayed).flatMap((b) => b.seqs).every((n) => n >= 100)).toBe(true);
    // The commits wrote a whole cursor again: the next start goes on from it.
    again.close();
    expect(await (await openReader()).read(50, 64 * 1024)).toBeNull();
    await writer.close();
  });

  it('enforces the byte cap and takes appends again once the reader freed space', async () => {
    const writer = await openWriter({ maxBytes: 10 * RECORD, segmentBytes: 2 * RECORD });
    for (let i = 0; i < 10; i++) expect(writer.append(event(i))).toEqual({ ok: true });
    expect(writer.append(event(10))).toEqual({ ok: false, reason: 'spool_full' });
    expect(writer.full).toBe(true);
    const reader = await openReader();
    expect(await drainAll(reader)).toEqual(range(0, 10));
    await sleep(150); // the writer looks at the directory again at most every 100 ms when full
    expect(writer.full).toBe(false);
    expect(writer.append(event(11))).toEqual({ ok: true });
    expect(await drainAll(reader)).toEqual([11]);
    reader.close();
    await writer.close();
  });

  it('a restarted writer starts a new segment with a higher id, never reusing ids even after every segment was deleted', async () => {
    const before = Date.now() * 1000;
    const first = await openWriter();
    first.append(event(0));
    await first.close();
    const [firstFile] = await segmentFiles();
    expect(Number(firstFile!.slice(0, 20))).toBeGreaterThan(before);

    const reader = await openReader();
    const second = await openWriter();
    second.append(event(1));
    expect(await drainAll(reader)).toEqual([0, 1]);
    await second.close();
    // The reader deletes the first segment once the second exists; the second stays (newest).
    const remaining = await segmentFiles();
    expect(remaining).toHaveLength(1);
    expect(remaining[0]! > firstFile!).toBe(true);

    // Even with every segment gone and the clock set back, the cursor keeps ids increasing.
    await rm(join(dir, remaining[0]!));
    vi.spyOn(Date, 'now').mockReturnValue(0);
    const third = await openWriter();
    third.append(event(2));
    vi.restoreAllMocks();
    const [thirdFile] = await segmentFiles();
    expect(thirdFile! > remaining[0]!).toBe(true);
    expect(await drainAll(reader)).toEqual([2]);
    reader.close();
    await third.close();
  });

  it('skips a torn tail of a final segment (counted and logged) but waits on one still being written', async () => {
    const writer = await openWriter();
    for (let i = 0; i < 3; i++) writer.append(event(i));
    await writer.close();
    const [file] = await segmentFiles();
    // A record whose length runs past the end: a write cut short by a machine crash.
    const torn = Buffer.alloc(RECORD_HEADER_BYTES + 10);
    torn.writeUInt32BE(100, 0);
    await appendFile(join(dir, file!), torn);

    const reader = await openReader();
    expect(await drainAll(reader)).toEqual([0, 1, 2]);
    expect(damaged).toBe(0); // the segment may still be written to: wait
    const writer2 = await openWriter(); // a new segment makes the torn one final
    writer2.append(event(3));
    expect(await drainAll(reader)).toEqual([3]);
    expect(damaged).toBe(1);
    expect(logged.map((l) => l.msg)).toContainEqual(expect.stringMatching(/torn or corrupt record/));
    expect(logged.filter((l) => !/torn or corrupt/.test(l.msg))).toEqual([]);
    reader.close();
    await writer2.close();
  });

  it('treats a zero-filled tail and a CRC mismatch in a final segment as damage, keeping what came before', async () => {
    const writer = await openWriter();
    writer.append(event(0));
    await writer.close();
    const [file] = await segmentFiles();
    await appendFile(join(dir, file!), Buffer.alloc(64)); // size persisted, data not
    const second = await openWriter();
    second.append(event(1));
    second.append(event(2));
    await second.close();
    const secondFile = (await segmentFiles())[1]!;
    const bytes = fs.readFileSync(join(dir, secondFile));
    bytes.writeUInt8(bytes.readUInt8(RECORD + RECORD_HEADER_BYTES + 5) ^ 0xff, RECORD + RECORD_HEADER_BYTES + 5); // corrupt the second record's payload
    await writeFile(join(dir, secondFile), bytes);
    const third = await openWriter();
    third.append(event(3));

    const reader = await openReader();
    expect(await drainAll(reader)).toEqual([0, 1, 3]);
    expect(damaged).toBe(2);
    reader.close();
    await third.close();
  });

  it('fsyncs at most once per interval while appending, never when idle, and on close', async () => {
    const calls: Array<{ at: number; fd: number }> = [];
    const realFsync = fs.fsync;
    vi.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: (err: NodeJS.ErrnoException | null) => void) => {
      calls.push({ at: performance.now(), fd });
      realFsync(fd, cb);
    }) as typeof fs.fsync);
    const interval = 50;
    const writer = await openWriter({ fsyncIntervalMs: interval });
    const started = performance.now();
    for (let i = 0; i < 60; i++) {
      for (let j = 0; j < 10; j++) writer.append(event(i * 10 + j));
      await sleep(5);
    }
    const elapsed = performance.now() - started;
    // Plus one: the directory fsync after the segment file was created.
    expect(calls.length).toBeGreaterThan(1);
    expect(calls.length).toBeLessThanOrEqual(Math.ceil(elapsed / interval) + 2);
    const segmentSyncs = calls.filter((c) => c.fd === calls.at(-1)!.fd);
    // Rounds start >= interval apart; a call can lag its round's start (behind the directory fsync).
    for (let i = 1; i < segmentSyncs.length; i++) expect(segmentSyncs[i]!.at - segmentSyncs[i - 1]!.at).toBeGreaterThanOrEqual(interval / 2);

    await sleep(3 * interval);
    const settled = calls.length;
    await writer.flush(); // nothing written since the last sync: no fsync
    await sleep(3 * interval);
    expect(calls.length).toBe(settled);
    writer.append(event(1000));
    await writer.close();
    expect(calls.length).toBe(settled + 1);
  });

  it('a failed write is reported, not thrown, and the next append goes to a new segment', async () => {
    const writer = await openWriter();
    writer.append(event(0));
    const realWrite = fs.writeSync;
    const spy = vi.spyOn(fs, 'writeSync').mockImplementationOnce((() => {
      throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    }) as unknown as typeof fs.writeSync);
    expect(writer.append(event(1))).toMatchObject({ ok: false, reason: 'spool_write_failed', error: expect.any(Error) });
    spy.mockImplementation(realWrite as typeof fs.writeSync);
    expect(writer.append(event(2))).toEqual({ ok: true });
    expect(await segmentFiles()).toHaveLength(2);
    const reader = await openReader();
    expect(await drainAll(reader)).toEqual([0, 2]);
    expect(damaged).toBe(0);
    reader.close();
    await writer.close();
  });

  it('loses nothing that reached write() when the writing process is SIGKILLed before any fsync', async () => {
    const loader = pathToFileURL(join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = `
      import fs from 'node:fs';
      import { SpoolWriter } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, 'spool-writer.ts')).href)};
      fs.fsync = () => process.exit(3); // prove durability here owes nothing to fsync
      const writer = await SpoolWriter.open(process.env.SPOOL_DIR, { maxBytes: 1e9, segmentBytes: 4096, fsyncIntervalMs: 3600000 });
      for (let seq = 0; seq < 1000; seq++) {
        const text = JSON.stringify({ seq });
        if (!(seq % 2 ? writer.appendText(text) : writer.append(Buffer.from(text))).ok) process.exit(4);
      }
      process.kill(process.pid, 'SIGKILL');
    `;
    const outcome = await run(process.execPath, ['--import', loader, '--input-type=module', '--eval', child], {
      cwd: ROOT,
      env: { ...process.env, SPOOL_DIR: dir },
    }).catch((err: { signal?: string; code?: number }) => err);
    expect(outcome).toMatchObject({ signal: 'SIGKILL' });
    const reader = await openReader();
    const writer = await openWriter(); // as at the next start: the killed writer's last segment becomes final
    writer.append(Buffer.from(JSON.stringify({ seq: 1000 })));
    expect(await drainAll(reader, 64)).toEqual(range(0, 1001));
    expect(damaged).toBe(0);
    reader.close();
    await writer.close();
  });

  it('appendText writes the record append writes for the text\'s UTF-8 bytes, across the growth and the cap of its reused memory', async () => {
    // Pieces of every UTF-8 width, a pair split by the JSON escaping a lone surrogate gets, and a lone one.
    const pieces = ['{"a":"', 'x', 'é', '€', '😀', '\\u0041', '\ud800', '\udc00z', '"}', ' ', '中文'];
    const texts: string[] = [];
    for (let i = 0; i < 300; i++) {
      const length = i % 50 === 49 ? 400_000 + i : i % 50 === 25 ? 150_000 + i : (i * 7919) % 12_000 + 1; // jumps past twice the reused memory, and six past its 1 MiB cap (3 bytes a unit)
      let text = '';
      for (let k = 0; text.length < length; k++) text += pieces[(i * 31 + k * 17 + (k >> 3)) % pieces.length]!;
      texts.push(text);
    }
    const viaText = await openWriter();
    const bytesDir = join(dir, 'bytes');
    const viaBytes = await SpoolWriter.open(bytesDir, { maxBytes: 64 * 1024 * 1024, log });
    for (const text of texts) {
      expect(viaText.appendText(text)).toEqual({ ok: true });
      expect(viaBytes.append(Buffer.from(text))).toEqual({ ok: true });
    }
    await viaText.close();
    await viaBytes.close();
    const [textFile] = await segmentFiles();
    const [bytesFile] = (await readdir(bytesDir)).filter((name) => name.endsWith('.seg'));
    expect(fs.readFileSync(join(dir, textFile!)).equals(fs.readFileSync(join(bytesDir, bytesFile!)))).toBe(true);
    const reader = await openReader();
    const read: Buffer[] = [];
    for (let batch = await reader.read(50, 1024 * 1024); batch; batch = await reader.read(50, 1024 * 1024)) {
      await reader.begin(batch);
      read.push(...batch.records);
      await reader.commit(batch);
    }
    expect(read.map((r) => r.toString())).toEqual(texts.map((t) => Buffer.from(t).toString()));
    expect(damaged).toBe(0);
    reader.close();
  });

  it('keeps everything owner-only, and refuses empty payloads, appends after close and bad options', async () => {
    const nested = join(dir, 'spool');
    const writer = await SpoolWriter.open(nested, { maxBytes: 1024 * 1024, log });
    writer.append(event(0));
    const reader = await SpoolReader.open(nested);
    const batch = (await reader.read(1, 1024)) as SpoolBatch;
    await reader.commit(batch);
    expect((await stat(nested)).mode & 0o777).toBe(0o700);
    const [file] = (await readdir(nested)).filter((f) => f.endsWith('.seg'));
    expect((await stat(join(nested, file!))).mode & 0o777).toBe(0o600);
    expect((await stat(join(nested, CURSOR_FILE))).mode & 0o777).toBe(0o600);
    expect(() => writer.append(Buffer.alloc(0))).toThrow(RangeError);
    expect(() => writer.appendText('')).toThrow(RangeError);
    await writer.close();
    expect(writer.appendText('{}')).toEqual({ ok: false, reason: 'closed' });
    expect(writer.append(event(1))).toEqual({ ok: false, reason: 'closed' });
    reader.close();
    await expect(SpoolWriter.open(dir, { maxBytes: 0 })).rejects.toThrow(/maxBytes/);
    await expect(SpoolWriter.open(dir, { maxBytes: 1024, segmentBytes: 1.5 })).rejects.toThrow(/segmentBytes/);
    await expect(SpoolWriter.open(dir, { maxBytes: 1024, fsyncIntervalMs: -1 })).rejects.toThrow(/fsyncIntervalMs/);
    expect(segmentFileName(1)).toBe('00000000000000000001.seg');
  });

  it('throughput: 10,000 records of 2 KiB appended one by one, then read', async () => {
    const writer = await openWriter();
    const payloads = range(0, 10_000).map((i) => event(i, 2048));
    const t0 = performance.now();
    for (const p of payloads) expect(writer.append(p).ok).toBe(true);
    const t1 = performance.now();
    await writer.flush();
    const t2 = performance.now();
    const reader = await openReader();
    const drained = await drainAll(reader, 5000, 16 << 20);
    const t3 = performance.now();
    expect(drained).toHaveLength(10_000);
    const rate = (ms: number): string => `${Math.round(10_000 / (ms / 1000)).toLocaleString('en-US')} records/s`;
    console.log(`spool throughput (10,000 x 2 KiB): append ${rate(t1 - t0)} (${((t1 - t0) / 10).toFixed(1)} µs each), fsync ${(t2 - t1).toFixed(1)} ms, read+commit ${rate(t3 - t2)}`);
    reader.close();
    await writer.close();
  });
});
