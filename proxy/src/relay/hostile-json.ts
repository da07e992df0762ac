import { utf8Text } from '@periscope/contract';
import { GatewayError } from '../errors.ts';

/** Far beyond any real request (tool schemas nest a few dozen levels), far below a stack overflow. */
export const MAX_JSON_DEPTH = 128;

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/**
 * Decodes a request body as strict UTF-8: invalid bytes are a 400, not silently replaced
 * by U+FFFD (which would change what reaches the provider and what is logged). A leading BOM
 * is dropped, as JSON.parse would refuse it (the WHATWG decoder's way).
 */
export function decodeUtf8(raw: Buffer): string {
  try {
    return (raw.subarray(0, 3).equals(BOM) ? undefined : utf8Text(raw)) ?? strictUtf8.decode(raw);
  } catch {
    throw new GatewayError('invalid_json', 'The request body is not valid UTF-8.');
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * One pass over the body's bytes, counting nesting outside strings, before JSON.parse: a body
 * nested deeper than `max` is refused at its 129th level, before the parser builds it (a body
 * nested a million levels deep costs V8 about 0.2 s and 60 MB per MB to parse). Each string is
 * skipped with indexOf, a native search, to its closing quote (one not escaped by an odd run of
 * backslashes): agents' requests are mostly long strings, and a 150 KB one took 9 µs against
 * 325 µs for a loop over every byte (and 10 ms per MB at worst, a string of escaped quotes). UTF-8
 * puts no ASCII byte inside a multi-byte character, so bytes and text nest alike.
 */
export function checkJsonDepth(raw: Buffer, max: number = MAX_JSON_DEPTH): void {
  let depth = 0;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === QUOTE) {
      i = closingQuote(raw, i);
      if (i === -1) return; // an unterminated string: JSON.parse refuses the body
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) throw new GatewayError('invalid_json', `The request body nests deeper than ${max} levels.`);
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}

/** The index of the quote that closes the string opened at `open`, or -1. Each backslash is looked at once. */
function closingQuote(raw: Buffer, open: number): number {
  for (let at = open + 1; ; at++) {
    at = raw.indexOf(QUOTE, at);
    if (at === -1) return -1;
    let escapes = 0;
    while (raw[at - 1 - escapes] === BACKSLASH) escapes++;
    if (escapes % 2 === 0) return at;
  }
}

/**
 * `__proto__` as a JSON key is never meaningful to a provider and is how prototype pollution
 * starts. JSON.parse defines it as an own key however the text escapes it, so the parsed value
 * is walked rather than the text searched for its spellings (two searches took 230 µs for a 150
 * KB agent request; the walk costs the number of objects and arrays, a few µs). Recursive, so
 * only for a value parsed from bytes that passed checkJsonDepth: that bounds its depth.
 */
export function checkNoPrototypeKeys(json: unknown): void {
  if (json === null || typeof json !== 'object') return;
  if (Array.isArray(json)) {
    for (const item of json as unknown[]) checkNoPrototypeKeys(item);
    return;
  }
  for (const key of Object.keys(json)) {
    if (key === '__proto__') throw new GatewayError('invalid_request', 'The request body uses "__proto__" as a key, which the gateway refuses.');
    checkNoPrototypeKeys((json as Record<string, unknown>)[key]);
  }
}
