import { describe, expect, it } from 'vitest';
import { decodeIsolationNote, encodeIsolationNote } from './isolation-note.ts';

const TOKEN = 'spool:3:0:4096';

describe('isolation note', () => {
  it('round-trips the stored records and the slice in flight', () => {
    const note = { stored: new Set([0, 1, 2, 7, 9, 10]), slice: { records: [4, 5, 6], token: `${TOKEN}:8:isolated#0-3` } };
    const text = encodeIsolationNote(note, 12);
    expect(JSON.parse(text)).toEqual({ v: 1, n: 12, stored: [[0, 3], [7, 8], [9, 11]], slice: { records: [[4, 7]], token: `${TOKEN}:8:isolated#0-3` } });
    expect(decodeIsolationNote(text, 12, TOKEN)).toEqual(note);
    expect(decodeIsolationNote(encodeIsolationNote({ stored: new Set() }, 5), 5, TOKEN)).toEqual({ stored: new Set() });
  });

  it.each([
    ['not JSON', 'isolating:0-300'],
    ['another version', JSON.stringify({ v: 2, n: 10, stored: [] })],
    ['another batch size', JSON.stringify({ v: 1, n: 9, stored: [] })],
    ['a range past the batch', JSON.stringify({ v: 1, n: 10, stored: [[0, 11]] })],
    ['a huge range', JSON.stringify({ v: 1, n: 10, stored: [[0, 99_999_999]] })],
    ['ranges out of order', JSON.stringify({ v: 1, n: 10, stored: [[5, 6], [0, 2]] })],
    ['overlapping ranges', JSON.stringify({ v: 1, n: 10, stored: [[0, 4], [3, 6]] })],
    ['an empty range', JSON.stringify({ v: 1, n: 10, stored: [[4, 4]] })],
    ['a negative index', JSON.stringify({ v: 1, n: 10, stored: [[-1, 2]] })],
    ['a fraction', JSON.stringify({ v: 1, n: 10, stored: [[0.5, 2]] })],
    ['stored not a list', JSON.stringify({ v: 1, n: 10, stored: '0-9' })],
    ['a slice of another batch', JSON.stringify({ v: 1, n: 10, stored: [], slice: { records: [[0, 2]], token: 'spool:9:0:1:2:isolated' } })],
    ['a slice without rows', JSON.stringify({ v: 1, n: 10, stored: [], slice: { records: [], token: `${TOKEN}:2:isolated` } })],
    ['null', 'null'],
  ])('ignores %s (the batch is then inserted whole again)', (_, text) => {
    expect(decodeIsolationNote(text, 10, TOKEN)).toBeUndefined();
  });

  it('is absent without a note', () => {
    expect(decodeIsolationNote(undefined, 10, TOKEN)).toBeUndefined();
  });
});
