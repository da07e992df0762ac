import { types } from 'node:util';
import { utf8Text } from '../utf8-text.ts';
import { validateRequestEvent, type RequestEvent } from './request-event.ts';

/** Node 20 has them (ES2024); the project's lib is ES2023. */
interface WellFormedString {
  isWellFormed(): boolean;
  toWellFormed(): string;
}

const isWellFormed = (text: string) => (text as unknown as WellFormedString).isWellFormed();
const toWellFormed = (text: string) => (text as unknown as WellFormedString).toWellFormed();

/**
 * A JSON.stringify replacer: a lone UTF-16 surrogate becomes U+FFFD (as Buffer.from writes it),
 * in values and in names (properties; two names that differ only there become one, the last
 * value kept). A boxed string is given to the replacer as the object, and written as its text
 * (what its toString gives, as JSON.stringify reads it).
 */
function wellFormed(_key: string, boxed: unknown): unknown {
  const value = types.isStringObject(boxed) ? String(boxed) : boxed;
  if (typeof value === 'string') return isWellFormed(value) ? value : toWellFormed(value);
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && !Object.keys(value).every(isWellFormed)) {
    return Object.fromEntries(Object.entries(value).map(([name, v]) => [toWellFormed(name), v]));
  }
  return value;
}

/**
 * The one serialisation of an event: these bytes are the spool record, the Kafka message value
 * and the JSONEachRow line ClickHouse stores. JSON.stringify never writes a raw newline, so
 * one event is always one line.
 *
 * A lone surrogate (any client can send `{"model":"x\ud800"}`, and a provider's message cut at
 * a length can end in half a pair) would be written as a `\ud800` escape, which ClickHouse
 * refuses or, with its setting to accept it, misreads when an escaped quote follows; the event
 * is written again with such strings made well-formed. The `\ud` test is one scan of the JSON:
 * a paired surrogate is written as is, so only a lone one (or a literal backslash-u-d, written
 * `\\ud`, whose second encoding changes nothing) is escaped that way.
 */
export function encodeRequestEvent(event: RequestEvent): Buffer {
  return Buffer.from(encodeRequestEventText(event));
}

/**
 * The text whose UTF-8 bytes encodeRequestEvent returns, for a writer that encodes it into
 * memory of its own (the gateway's spool writer: no buffer of its own per event).
 */
export function encodeRequestEventText(event: RequestEvent): string {
  const json = wellFormedDataJson(event);
  // The proxy builds events with request_id first; others (fixtures, upgrades) may not.
  return json.startsWith('{"request_id":') ? json : wellFormedDataJson(Object.assign({ request_id: event.request_id }, event));
}

/** JSON.stringify, with lone surrogates written as U+FFFD (see encodeRequestEvent): for any row ClickHouse takes as JSON. */
export function wellFormedJson(value: unknown): string {
  const json = JSON.stringify(value);
  return json.includes('\\ud') ? JSON.stringify(value, wellFormed) : json;
}

/**
 * wellFormedJson for plain data (objects, arrays, strings, numbers, booleans, null: an event the
 * gateway built or a parser made), which a walk of its strings reads as JSON.stringify read it.
 * A getter or a Proxy could give the walk other values than it gave JSON.stringify.
 */
export function wellFormedDataJson(value: unknown): string {
  const json = JSON.stringify(value);
  if (json.length > SCAN_MAX_CHARS && stringsWellFormed(value, 0)) return json;
  return json.includes('\\ud') ? JSON.stringify(value, wellFormed) : json;
}

/**
 * Up to this length the JSON is searched for `\ud`; beyond, the value's strings are checked
 * instead. The search runs through memchr on backslashes, which a stored body is dense with
 * (every quote of a stream's SSE text, every line break of an agent's source code): 4-5 µs for
 * a stream's 5.8 KB event and 310-340 µs for an agent's 180 KB one, against 0.5-1 µs for the
 * walk, which V8 answers in O(1) per one-byte string (a two-byte one is scanned: about 30-45 µs
 * for 90,000 characters); a chat call's 1.5 KB event is searched in 0.4-0.5 µs, walked in
 * 0.6-0.8 (docs/benchmarks.md, "Checking an event for lone surrogates").
 */
const SCAN_MAX_CHARS = 2048;
/** Deeper than events nest: such a value is searched instead. */
const WALK_MAX_DEPTH = 32;

/**
 * True when every string JSON.stringify wrote from `value`, property names included, is
 * well-formed: the own enumerable properties' names and values of objects, arrays' items by
 * index. False when one is not, or when the walk cannot tell what was written (a `toJSON` on an
 * object, an array or a function, its own or inherited as a Date's; a boxed primitive, written
 * through its toString or valueOf; nesting past WALK_MAX_DEPTH, where the walk's own stack
 * could run out before JSON.stringify's), so that the caller searches the JSON as before.
 */
function stringsWellFormed(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return isWellFormed(value);
  if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return true;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  // Written as nothing (a function without toJSON is skipped like undefined).
  if (typeof value === 'function') return true;
  if (depth >= WALK_MAX_DEPTH || types.isBoxedPrimitive(value)) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!stringsWellFormed(value[i], depth + 1)) return false;
    return true;
  }
  for (const name in value) {
    if (!isWellFormed(name) || !stringsWellFormed((value as Record<string, unknown>)[name], depth + 1)) return false;
  }
  return true;
}

const ID_PREFIX = Buffer.from('{"request_id":"');
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const NEWLINE = 0x0a;
const ESCAPE_U = Buffer.from('\\u');

/**
 * Whether the bytes hold the start of a `\udXXX` escape (see encodeRequestEvent), with a `d` or
 * a `D`: one scan for `\u`, where searching for each spelling took two, 135 µs each for an
 * agent's 160 KB event, whose source code holds a backslash every 12 bytes.
 */
function holdsEscapedSurrogate(bytes: Buffer): boolean {
  for (let at = bytes.indexOf(ESCAPE_U); at !== -1; at = bytes.indexOf(ESCAPE_U, at + 2)) {
    const next = bytes[at + 2];
    if (next === 0x64 || next === 0x44) return true;
  }
  return false;
}

/**
 * The request id of encoded event bytes, read from their fixed prefix without parsing the
 * event (Kafka keys, logs); undefined when the bytes do not start like an encoded event.
 */
export function requestIdOf(bytes: Buffer): string | undefined {
  if (bytes.length <= ID_PREFIX.length || !bytes.subarray(0, ID_PREFIX.length).equals(ID_PREFIX)) return undefined;
  const end = bytes.indexOf(QUOTE, ID_PREFIX.length);
  if (end === -1) return undefined;
  const raw = bytes.subarray(ID_PREFIX.length, end);
  // An escaped character (a client-chosen id with a quote in it): let JSON decode the string.
  if (raw.includes(BACKSLASH)) {
    try {
      return (JSON.parse(bytes.toString('utf8')) as { request_id?: unknown }).request_id as string;
    } catch {
      return undefined;
    }
  }
  return raw.toString('utf8');
}

export type DecodedEventRow =
  | { ok: true; row: Buffer; event: RequestEvent }
  | { ok: false; reason: string; requestId: string | undefined };

/**
 * Checks untrusted event bytes against the contract and returns the row to insert: the bytes
 * themselves for a current event (no re-serialisation), a re-encoding for a version-1 event;
 * and the decoded event, for what a consumer needs to know about it (ids, project, time).
 * Parsed only to be checked: ClickHouse would store an out-of-range count wrapped around.
 */
export function decodeEventRow(bytes: Buffer): DecodedEventRow {
  if (bytes.includes(NEWLINE)) return { ok: false, reason: 'event bytes hold a raw newline', requestId: requestIdOf(bytes) };
  let text: string | undefined;
  let json: unknown;
  try {
    text = utf8Text(bytes);
    json = JSON.parse(text ?? bytes.toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON', requestId: undefined };
  }
  const checked = validateRequestEvent(json);
  if (!checked.ok) return { ok: false, reason: checked.reason, requestId: typeof (json as { request_id?: unknown })?.request_id === 'string' ? (json as { request_id: string }).request_id : undefined };
  // Bytes from before the encoder wrote lone surrogates well-formed, or from another producer
  // (which may write the escape in capitals, or bytes that are not UTF-8), are encoded again
  // rather than refused by the engine or stored as other bytes than the event read here.
  const escapedSurrogate = holdsEscapedSurrogate(bytes);
  if (!checked.upgraded && !escapedSurrogate && text !== undefined) return { ok: true, row: bytes, event: checked.event };
  const row = encodeRequestEvent(checked.event);
  // The event as stored, whose ids say whether it is stored already: U+FFFD for a lone surrogate.
  return { ok: true, row, event: escapedSurrogate ? (JSON.parse(row.toString('utf8')) as RequestEvent) : checked.event };
}
