import type { PeriscopeConfig } from '@periscope/contract';
import { readLiteral, replaceLiterals, writeLiteral } from '../events/literals.ts';
import { MAX_NESTING, MIN_EXACT_SECRET_LENGTH, REDACTED } from '../events/redact.ts';
import type { SseEvent } from './sse.ts';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Passes over a text, each over what the one before left (scrubText); the last must change nothing. */
const MAX_PASSES = 4;

/** An SSE event withheld whole: a blank line, which ends whatever the client was reading and dispatches nothing. */
const WITHHELD_EVENT = '\n\n';
/** A message withheld whole (scrubMessage). */
const WITHHELD_MESSAGE = 'Periscope withheld this message: it could not be checked for provider keys.';

/** What the escapes `\n \r \t \b \f \"` stand for. */
const SAFE_ESCAPED = /[\n\r\t\b\f"]/;
/** A backslash not starting one of those escapes. */
const UNSAFE_ESCAPE = /\\[^nrtbf"]/;

/**
 * The provider keys of one config version (`api_key` and every `keys:` entry of every
 * provider), and how to take them out of what a provider wrote before it reaches a client
 * that holds only a gateway key: error bodies, error events inside streams and response
 * headers. A key is matched by its exact value and, inside JSON string literals, by any
 * escaped spelling a JSON parser would turn back into it (`\/`, `\u0073k-...`).
 *
 * Built once per config version (see `providerKeyScrubber`), so a hot reload that adds or
 * rotates a key is covered from the next call on, and a call keeps the keys of the config it
 * started with. Keys shorter than 8 characters are not matched: they would mangle ordinary text.
 */
export class ProviderKeyScrubber {
  readonly keys: readonly string[];
  /** Strings shorter than the shortest key cannot hold one: most header values are skipped by length alone. */
  readonly #minLength: number;
  readonly #test: RegExp;
  readonly #replace: RegExp;
  /** No key holds a character a safe escape stands for (see leavesSseEvent). */
  readonly #keysPlain: boolean;

  constructor(keys: Iterable<string>) {
    // Longest first, so a key that is a prefix of another cannot leave the other's tail behind.
    this.keys = [...new Set(keys)].filter((k) => k.length >= MIN_EXACT_SECRET_LENGTH).sort((a, b) => b.length - a.length);
    if (this.keys.length === 0) throw new Error('ProviderKeyScrubber needs at least one key');
    this.#minLength = this.keys.at(-1)!.length;
    const alternation = this.keys.map(escapeRegExp).join('|');
    this.#test = new RegExp(alternation);
    this.#replace = new RegExp(alternation, 'g');
    this.#keysPlain = !this.keys.some((k) => SAFE_ESCAPED.test(k));
  }

  /** True when `text` holds a key as written (not JSON-escaped). */
  holdsKey(text: string): boolean {
    return text.length >= this.#minLength && this.#test.test(text);
  }

  /**
   * `text` with every key replaced, whether written plainly or JSON-escaped; the same string when
   * it held none. A text a pass changed is read again: a key holding a quote, replaced, pairs the
   * quotes after it anew, which can put another key's escaped spelling inside a literal a JSON
   * parser decodes (`"… KEY"WITH-QUOTE … \u0073k-…"`). A pass that changes nothing ends it; a text
   * still changing after MAX_PASSES was built to chain (helper-72: one link per pass, as many as
   * it likes) and is withheld whole: '' (an SSE event so scrubbed is dropped, its framing with it).
   */
  scrubText(text: string): string {
    let out = this.#scrub(text, 0);
    for (let pass = 1; out !== text; pass++) {
      if (pass === MAX_PASSES) return '';
      text = out;
      out = this.#scrub(text, 0);
    }
    return out;
  }

  /** scrubText at `nesting` readings deep: a literal's content is scrubbed as a text of its own, JSON nested in a string included. */
  #scrub(text: string, nesting: number): string {
    if (text.length < this.#minLength) return text;
    // Escaped literals first: a plain match right after a backslash (`\/key` for a key that
    // starts with "/") would leave a broken escape behind.
    const out = text.includes('\\') ? replaceLiterals(text, false, (literal, closed) => (literal.includes('\\') ? this.#scrubJsonLiteral(literal, closed, nesting) : literal)) : text;
    return this.#test.test(out) ? out.replace(this.#replace, REDACTED) : out;
  }

  #scrubJsonLiteral(literal: string, closed: boolean, nesting: number): string {
    if (nesting === MAX_NESTING) return literal;
    const decoded = readLiteral(literal, closed);
    const scrubbed = this.#scrub(decoded, nesting + 1);
    return scrubbed === decoded ? literal : writeLiteral(scrubbed, closed);
  }

  /** scrubText for a message a client and the log read: one withheld says so. */
  scrubMessage(text: string): string {
    const out = this.scrubText(text);
    return out === '' && text !== '' ? WITHHELD_MESSAGE : out;
  }

  /** A buffered body (an error answer): the same buffer when it held no key; empty when withheld (scrubText). */
  scrubBody(body: Buffer): Buffer {
    if (body.length < this.#minLength) return body;
    const text = body.toString('utf8');
    const out = this.scrubText(text);
    return out === text ? body : Buffer.from(out);
  }

  /**
   * One SSE event (its raw text, terminating blank line included). A key is also found when
   * the event splits it over several `data:` lines, which a client joins back together: the
   * event is then re-emitted with its data on one line (JSON does not care; a newline inside a
   * JSON string was invalid anyway).
   */
  scrubSseEvent(raw: string): string {
    // Lines are split and data lines found as parseEvent (sse.ts) does: leavesSseEvent relies on it.
    const out = this.scrubText(raw);
    // Withheld (scrubText): an event boundary in its place, never nothing. A flood's piece has no
    // boundary of its own, and without one the client would join the piece before it to the text
    // after it, a key's two halves among them (helper-73).
    if (out === '' && raw !== '') return WITHHELD_EVENT;
    const lines = out.split(/\r\n|\n|\r/);
    const data = lines.filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
    if (data.length < 2) return out;
    const folded = data.join('');
    const scrubbed = this.scrubText(folded);
    if (scrubbed === folded) return out;
    const others = lines.filter((l) => l !== '' && !l.startsWith('data:'));
    return [...others, `data: ${scrubbed}`, '', ''].join('\n');
  }

  /**
   * True when scrubSseEvent(e.raw) is certainly e.raw, read without it: no key as written, at
   * most one data line (parseEvent joins two or more with a line break; a flood's pass-through
   * counts as `other`, however many lines it has), and no escape a key could be spelled through.
   * The relay then need not decide whether the event is one it scrubs: it comes out the same
   * either way.
   *
   * The escapes of a model's text (`\n`, `\"`, `\t`, ...) are safe when no key holds the
   * characters they stand for: a literal's content then reads as a key only where its raw text
   * already spells it, and nothing it decodes to holds a backslash to read again. Any other escape
   * (`\u`, `\/`, or a letter read leniently as itself) may spell a key; `\\` is refused too, and
   * that is what makes every backslash start one of the six escapes wherever a literal is taken
   * to begin (a backslash the text ends in decodes to nothing, so it joins nothing). The data
   * line count relies on parseEvent splitting lines as scrubSseEvent does (CRLF, LF or CR; lines
   * starting `data:`). Reviewed adversarially (helper-70: 1.6M fuzzed events, 200,000 streams
   * through the relay against the one that parsed every event, no difference).
   */
  leavesSseEvent(e: SseEvent): boolean {
    if (e.other || e.data.includes('\n') || this.holdsKey(e.raw)) return false;
    return !e.raw.includes('\\') || (this.#keysPlain && !UNSAFE_ESCAPE.test(e.raw));
  }

  /** A header value as the client will see it (a header whose name holds a key is left out by the caller). */
  scrubHeaderValue(value: string | string[]): string | string[] {
    if (typeof value === 'string') return this.holdsKey(value) ? value.replace(this.#replace, REDACTED) : value;
    return value.some((v) => this.holdsKey(v)) ? value.map((v) => v.replace(this.#replace, REDACTED)) : value;
  }
}

/** Every provider key a config holds. */
function configuredProviderKeys(config: PeriscopeConfig): string[] {
  const keys: string[] = [];
  for (const name in config.providers) {
    const provider = config.providers[name]!;
    if (provider.api_key) keys.push(provider.api_key);
    for (const k of provider.keys ?? []) keys.push(k.key);
  }
  return keys;
}

const scrubbers = new WeakMap<PeriscopeConfig, ProviderKeyScrubber | null>();

/** The scrubber of a config version, built on first use; undefined when it holds no key worth matching. */
export function providerKeyScrubber(config: PeriscopeConfig): ProviderKeyScrubber | undefined {
  let scrubber = scrubbers.get(config);
  if (scrubber === undefined) {
    const keys = configuredProviderKeys(config).filter((k) => k.length >= MIN_EXACT_SECRET_LENGTH);
    scrubber = keys.length > 0 ? new ProviderKeyScrubber(keys) : null;
    scrubbers.set(config, scrubber);
  }
  return scrubber ?? undefined;
}
