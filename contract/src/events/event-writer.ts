import { encodeRequestEventText } from './event-codec.ts';
import type { RequestEvent } from './request-event.ts';

/** Node 20 has it (ES2024); the project's lib is ES2023. */
const isWellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Bytes written as they are inside a JSON string: 1 for every byte but `"`, `\` and the controls below 0x20. */
const PLAIN = new Uint8Array(256).fill(1, 0x20);
PLAIN[0x22] = 0;
PLAIN[0x5c] = 0;
/** The letter of JSON.stringify's two-character escape of a byte, 0 where it writes `\u00XX`. */
const SHORT_ESCAPE = new Uint8Array(0x60);
SHORT_ESCAPE[0x08] = 0x62; // \b
SHORT_ESCAPE[0x09] = 0x74; // \t
SHORT_ESCAPE[0x0a] = 0x6e; // \n
SHORT_ESCAPE[0x0c] = 0x66; // \f
SHORT_ESCAPE[0x0d] = 0x72; // \r
SHORT_ESCAPE[0x22] = 0x22;
SHORT_ESCAPE[0x5c] = 0x5c;
const HEX = Buffer.from('0123456789abcdef');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');
const NULL = Buffer.from('null');

/** Up to this many UTF-16 units a string is written by a loop over its characters; a longer one is UTF-8-encoded by Node first. */
const SHORT_STRING_UNITS = 32;
/** Bytes of a long string escaped per check of the output's room (at most 6 bytes out per byte in). */
const ESCAPE_BLOCK_BYTES = 16 * 1024;
/** Like JSON.stringify's, deeper than events nest: such a value takes encodeRequestEventText's path. */
const MAX_DEPTH = 32;
const INITIAL_BYTES = 16 * 1024;
/** Memory the writer keeps between events; what a larger event needed is let go before the next. */
const KEEP_MAX_BYTES = 1024 * 1024;

/**
 * Writes an event's encoding (exactly the bytes encodeRequestEvent returns) straight into memory
 * it reuses, after `headroom` bytes left for the caller (the spool's record header): no string
 * of the event's JSON, whose building (V8 writes it in parts and a UTF-8 write flattens them)
 * allocated about twice the event's size per call (14 of the 108 KB a bench stream allocated in
 * the gateway) and took 0.8 ms for an agent's 160 KB event, against 0.46 here
 * (docs/benchmarks.md, "An event written without its JSON string").
 *
 * It writes plain data, as the gateway builds events: strings (a lone surrogate as U+FFFD, as
 * encodeRequestEvent writes it), numbers, booleans, null, arrays, and objects whose prototype is
 * Object's or none. Anything else (a `toJSON`, a boxed primitive, a class instance, a BigInt,
 * nesting past MAX_DEPTH, a property name with a lone surrogate, request_id not first) takes
 * encodeRequestEventText's path, so the bytes are the same for every event.
 */
export class EventWriter {
  private out = Buffer.allocUnsafe(INITIAL_BYTES);
  /** A long string's UTF-8 bytes, before they are escaped into `out`. */
  private raw = Buffer.allocUnsafe(INITIAL_BYTES);
  private at = 0;

  constructor(private readonly headroom: number) {}

  /**
   * The event's bytes after `headroom` bytes of unspecified content: a view of the writer's
   * memory, valid until the next call. Throws what encodeRequestEvent throws (a cycle, a BigInt).
   */
  write(event: RequestEvent): Buffer {
    if (this.out.length > KEEP_MAX_BYTES) this.out = Buffer.allocUnsafe(INITIAL_BYTES);
    if (this.raw.length > KEEP_MAX_BYTES) this.raw = Buffer.allocUnsafe(INITIAL_BYTES);
    this.at = this.headroom;
    if (!startsWithRequestId(event) || !this.value(event, 0)) {
      const text = encodeRequestEventText(event);
      this.at = this.headroom;
      this.ensure(3 * text.length);
      this.at += this.out.write(text, this.at);
    }
    return this.out.subarray(0, this.at);
  }

  /** Writes a value JSON.stringify would write; false where this writer leaves it to encodeRequestEventText. */
  private value(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case 'string':
        this.string(value);
        return true;
      case 'number':
        this.number(value);
        return true;
      case 'boolean':
        this.bytes(value ? TRUE : FALSE);
        return true;
      case 'object':
        if (value === null) {
          this.bytes(NULL);
          return true;
        }
        if (depth >= MAX_DEPTH || typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
        if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype && this.array(value, depth);
        return isPlainObject(value) && this.object(value as Record<string, unknown>, depth);
      default:
        // undefined, a function or a symbol is written by the caller as nothing (a property) or
        // null (an item); a function may have a toJSON, and a BigInt makes JSON.stringify throw.
        return false;
    }
  }

  private array(items: unknown[], depth: number): boolean {
    this.byte(0x5b);
    for (let i = 0; i < items.length; i++) {
      if (i > 0) this.byte(0x2c);
      const item = items[i];
      if (skipped(item)) this.bytes(NULL);
      else if (!this.value(item, depth + 1)) return false;
    }
    this.byte(0x5d);
    return true;
  }

  private object(object: Record<string, unknown>, depth: number): boolean {
    this.byte(0x7b);
    let first = true;
    // for-in lists own names in JSON.stringify's order (integer-like first, then as created).
    for (const name in object) {
      if (!Object.prototype.hasOwnProperty.call(object, name)) continue;
      const item = object[name];
      if (skipped(item)) continue;
      if (!first) this.byte(0x2c);
      first = false;
      // encodeRequestEvent merges two names that differ only in a lone surrogate.
      if (!this.asciiString(name)) {
        if (!isWellFormed(name)) return false;
        this.longString(name);
      }
      this.byte(0x3a);
      if (!this.value(item, depth + 1)) return false;
    }
    this.byte(0x7d);
    return true;
  }

  private string(text: string): void {
    if (text.length > SHORT_STRING_UNITS || !this.asciiString(text)) this.longString(text);
  }

  /** A string of ASCII characters, escaped; false (nothing written) at the first character above them. */
  private asciiString(text: string): boolean {
    const length = text.length;
    this.ensure(2 + 6 * length);
    const out = this.out;
    let w = this.at;
    out[w++] = QUOTE;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return false;
      if (PLAIN[c] === 1) out[w++] = c;
      else w = escapeByte(out, w, c);
    }
    out[w++] = QUOTE;
    this.at = w;
    return true;
  }

  /**
   * Any string: Node's UTF-8 encoder (a lone surrogate as U+FFFD's bytes), then a copy with the
   * bytes JSON.stringify escapes escaped (no byte of a multi-byte character is one of them).
   */
  private longString(text: string): void {
    const most = 3 * text.length;
    if (this.raw.length < most) this.raw = Buffer.allocUnsafe(Math.max(most, 2 * this.raw.length));
    const raw = this.raw;
    const n = raw.write(text, 0);
    this.ensure(1);
    this.out[this.at++] = QUOTE;
    for (let start = 0; start < n; start += ESCAPE_BLOCK_BYTES) {
      const end = Math.min(n, start + ESCAPE_BLOCK_BYTES);
      this.ensure(6 * (end - start) + 1);
      const out = this.out;
      let w = this.at;
      for (let i = start; i < end; i++) {
        const c = raw[i]!;
        if (PLAIN[c] === 1) out[w++] = c;
        else w = escapeByte(out, w, c);
      }
      this.at = w;
    }
    this.ensure(1);
    this.out[this.at++] = QUOTE;
  }

  /** As JSON.stringify writes a number: its shortest round-trip text, null when not finite. */
  private number(n: number): void {
    if (!Number.isSafeInteger(n)) {
      const text = Number.isFinite(n) ? String(n) : 'null';
      this.ensure(text.length);
      this.at += this.out.write(text, this.at, 'latin1');
      return;
    }
    this.ensure(17);
    const out = this.out;
    // -0 is written 0.
    if (n < 0) {
      out[this.at++] = 0x2d;
      n = -n;
    }
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    let w = this.at + digits;
    this.at = w;
    do {
      out[--w] = 0x30 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  private byte(b: number): void {
    this.ensure(1);
    this.out[this.at++] = b;
  }

  private bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.out, this.at);
    this.at += b.length;
  }

  private ensure(bytes: number): void {
    if (this.at + bytes <= this.out.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.out.length, this.at + bytes));
    this.out.copy(grown, 0, 0, this.at);
    this.out = grown;
  }
}

/** Written as nothing in an object and as null in an array (unless it has a toJSON: left to the caller's value()). */
function skipped(value: unknown): boolean {
  return value === undefined || typeof value === 'symbol' || (typeof value === 'function' && typeof (value as { toJSON?: unknown }).toJSON !== 'function');
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** encodeRequestEventText puts request_id first when the event does not (then this writer leaves it to it). */
function startsWithRequestId(event: RequestEvent): boolean {
  if (typeof event.request_id !== 'string') return false;
  for (const name in event) return name === 'request_id';
  return false;
}

/** JSON.stringify's escape of a byte below 0x20, a quote or a backslash; returns the end. */
function escapeByte(out: Buffer, w: number, c: number): number {
  out[w] = BACKSLASH;
  const letter = SHORT_ESCAPE[c]!;
  if (letter !== 0) {
    out[w + 1] = letter;
    return w + 2;
  }
  out[w + 1] = 0x75;
  out[w + 2] = 0x30;
  out[w + 3] = 0x30;
  out[w + 4] = HEX[c >> 4]!;
  out[w + 5] = HEX[c & 15]!;
  return w + 6;
}
