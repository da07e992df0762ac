import { StoreError } from '../errors.ts';

/** Where the header of a chunk in a format with one ends (its length in bytes); formats without one are absent. */
const HEADER_END: Readonly<Record<string, (chunk: Buffer) => number>> = {
  CSVWithNames: csvRecordEnd,
  // Names are escaped onto one line (\n as \\n), and the types take a second.
  TSVWithNames: (chunk) => lineEnd(chunk, 0),
  JSONCompactEachRowWithNamesAndTypes: (chunk) => lineEnd(chunk, lineEnd(chunk, 0)),
};

/**
 * chDB 3.4 writes the header of a format that has one (CSVWithNames, ...) at the start of
 * every chunk of a stream (measured: 31 headers in 2,000,000 rows of CSV). This keeps the
 * first chunk's and takes the same bytes off the start of every later chunk; a chunk that
 * does not start with them is an error, never a file with a header in its rows.
 */
export class RepeatedHeader {
  #header: Buffer | null = null;

  private constructor(private readonly end: (chunk: Buffer) => number) {}

  /** Null for formats without a header. */
  static of(format: string): RepeatedHeader | null {
    const end = HEADER_END[format];
    return end ? new RepeatedHeader(end) : null;
  }

  push(chunk: Uint8Array): Buffer {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#header === null) {
      this.#header = Buffer.from(bytes.subarray(0, this.end(bytes)));
      return bytes;
    }
    if (!bytes.subarray(0, this.#header.length).equals(this.#header)) {
      throw new StoreError('query_failed', 'The engine sent a chunk without the header of the first one; the output could not be assembled.');
    }
    return bytes.subarray(this.#header.length);
  }
}

const NEWLINE = 0x0a;
const QUOTE = 0x22;

function lineEnd(chunk: Buffer, from: number): number {
  const at = chunk.indexOf(NEWLINE, from);
  return at < 0 ? chunk.length : at + 1;
}

/** The end of the first CSV record: names are quoted, and a quoted name may hold line breaks (a doubled quote is one quote). */
function csvRecordEnd(chunk: Buffer): number {
  let quoted = false;
  for (let i = 0; i < chunk.length; i += 1) {
    if (chunk[i] === QUOTE) quoted = !quoted;
    else if (chunk[i] === NEWLINE && !quoted) return i + 1;
  }
  return chunk.length;
}
