import { isAscii, isUtf8, transcode } from 'node:buffer';

/** Below this, V8's own decoding is as fast as the conversion and its buffer (measured: 1.6 against 2.0 µs at 1 KB, 3.1 against 2.4 at 2 KB). */
const CONVERT_FROM_BYTES = 2048;
/**
 * Above this, V8's own decoding: the conversion's UTF-16 buffer doubles the peak memory, and
 * Node keeps a string this long as two-byte even when V8 would have made it one-byte. Agents'
 * requests are 0.1-1 MB.
 */
const CONVERT_UP_TO_BYTES = 4 * 2 ** 20;

/** Whether UTF-16 code units hold one above U+00FF: without one, V8 keeps the text one byte per character. */
function beyondLatin1(utf16le: Buffer): boolean {
  for (let high = 1; high < utf16le.length; high += 2) if (utf16le[high] !== 0) return true;
  return false;
}

/**
 * The text of UTF-8 bytes, exactly as `bytes.toString('utf8')` gives it (a BOM kept), or
 * undefined when they are not valid UTF-8. Faster for long text with a character above U+00FF
 * (a dash, a curly quote, an arrow, any CJK or emoji): V8 decodes such text at 230-290 MB/s on
 * the 2-core VM (640 µs for an agent's 150 KB request with 36 such bytes), while ICU's
 * conversion to UTF-16 and a copy take 245 µs. Pure ASCII is copied as Latin-1, which it is a
 * part of. Text whose characters all fit in Latin-1 is left to V8, which stores it one byte per
 * character: as two-byte text it would cost twice as much to scan, serialise and encode after
 * (docs/benchmarks.md, "Agent-sized requests").
 */
export function utf8Text(bytes: Buffer): string | undefined {
  if (bytes.length >= CONVERT_FROM_BYTES && bytes.length <= CONVERT_UP_TO_BYTES && isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) return undefined;
  // Node without ICU has no transcode.
  if (bytes.length < CONVERT_FROM_BYTES || bytes.length > CONVERT_UP_TO_BYTES || typeof transcode !== 'function') return bytes.toString('utf8');
  const units = transcode(bytes, 'utf8', 'utf16le');
  return beyondLatin1(units) ? units.toString('utf16le') : bytes.toString('utf8');
}
