import { describe, expect, it } from 'vitest';
import { decodeSliceNote, encodeCheckNote, encodeSliceNote } from './isolation-note.ts';

const TOKEN = 'spool:3:0:4096';
const sliceOf = (records: unknown, token = `${TOKEN}:ab12:8:isolated`) => JSON.stringify({ v: 1, n: 10, slice: { records, token } });

describe('isolation note', () => {
  it('round-trips the slice in flight', () => {
    const slice = { records: [0, 1, 2, 7, 9], token: `${TOKEN}:ab12:8:isolated#0-5` };
    const text = encodeSliceNote(slice, 12);
    expect(JSON.parse(text)).toEqual({ v: 1, n: 12, slice: { records: [[0, 3], [7, 8], [9, 10]], token: slice.token } });
    expect(decodeSliceNote(text, 12, TOKEN)).toEqual(slice);
  });

  it.each([
    ['not JSON', 'isolating:0-300'],
    ['null', 'null'],
    ['another version', JSON.stringify({ v: 2, n: 10, slice: { records: [[0, 2]], token: `${TOKEN}:x` } })],
    ['another batch size', JSON.stringify({ v: 1, n: 9, slice: { records: [[0, 2]], token: `${TOKEN}:x` } })],
    ['no slice (a batch begun to be checked against the table)', encodeCheckNote(10)],
    ['a range past the batch', sliceOf([[0, 11]])],
    ['a huge range', sliceOf([[0, 99_999_999]])],
    ['ranges out of order', sliceOf([[5, 6], [0, 2]])],
    ['overlapping ranges', sliceOf([[0, 4], [3, 6]])],
    ['an empty range', sliceOf([[4, 4]])],
    ['a negative index', sliceOf([[-1, 2]])],
    ['a fraction', sliceOf([[0.5, 2]])],
    ['ranges not a list', sliceOf('0-9')],
    ['no rows', sliceOf([])],
    ["another batch's token", sliceOf([[0, 2]], 'spool:9:0:1:ab12:2:isolated')],
    ['a token that only starts like this batch\'s', sliceOf([[0, 2]], `${TOKEN}0:ab12:2:isolated`)],
    ['a token that is not a string', sliceOf([[0, 2]], 42 as never)],
  ])('ignores %s (the batch is then checked against the table)', (_, text) => {
    expect(decodeSliceNote(text, 10, TOKEN)).toBeUndefined();
  });

  it('is absent without a note', () => {
    expect(decodeSliceNote(undefined, 10, TOKEN)).toBeUndefined();
  });
});
