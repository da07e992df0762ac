import { isAscii, isUtf8, transcode } from 'node:buffer';

/** Below this, V8's own decoding is as fast as the conversion and its buffer (measured: 1.6 against 2.0 µs at 1 KB, 3.1 against 2.4 at 2 KB). */
const CONVERT_FROM_BYTES = 2048;

/**
 * The text of UTF-8 bytes, exactly as `bytes.toString('utf8')` gives it (a BOM kept), or
 * undefined when they are not valid UTF-8. Faster for long text with any non-ASCII character,
 * which V8 decodes at 230-290 MB/s on the 2-core VM (640 µs for an agent's 150 KB request with 36
 * such bytes): ICU's conversion to UTF-16 and a copy take 245 µs, and ASCII is copied as Latin-1,
 * which it is a part of (docs/benchmarks.md, "Agent-sized requests").
 */
export function utf8Text(bytes: Buffer): string | undefined {
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (!isUtf8(bytes)) return undefined;
  return bytes.length < CONVERT_FROM_BYTES ? bytes.toString('utf8') : transcode(bytes, 'utf8', 'utf16le').toString('utf16le');
}
