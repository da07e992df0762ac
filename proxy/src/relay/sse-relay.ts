import type { ResponseRecorder } from '../cache/gateway-cache.ts';
import type { StreamUsageObserver } from '../usage/stream-observer.ts';
import type { ProviderKeyScrubber } from './provider-key-scrubber.ts';
import { SseFramer, type SseEvent } from './sse.ts';
import { StreamText } from './stream-text.ts';

/** The usage-only chunk OpenAI appends when include_usage is on: no choices, a usage block. */
export function isUsageOnlyChunk(json: Record<string, unknown> | undefined): boolean {
  return !!json && Array.isArray(json.choices) && json.choices.length === 0 && !!json.usage;
}

/**
 * False only when isUsageOnlyChunk is certainly false for the payload's JSON: it has no `usage`
 * key whose value could be truthy. A key is matched with its quotes (inside a string value a quote
 * is escaped); a `\u` escape could spell one, so it counts as a maybe. With include_usage every
 * chunk carries `"usage":null`, which is not a usage chunk. The whitespace before the value is
 * matched whole (the lookahead refuses another space), so `"usage": null` is not a maybe.
 */
const mayBeUsageChunk = (data: string) => data.includes('\\u') || USAGE_NOT_NULL.test(data);
const USAGE_NOT_NULL = /"usage"\s*:\s*(?!\s|null)/;

/**
 * Events a provider reports a failure with (Anthropic's `event: error`, OpenAI's `{"error":
 * ...}`, the Responses API's `error` and `response.failed`), anything that is not the JSON
 * object of a normal event (a plain-text error), and any event with a line besides its `data:`
 * and `event:` lines (a comment, an `id:`: `data: [DONE]` after `: key sk-…` too). Only these
 * are scrubbed: the answer itself is never scanned.
 */
export function mayReportError(event: SseEvent, json: Record<string, unknown> | undefined): boolean {
  if (event.event === 'error' || event.other) return true;
  if (json === undefined) return event.data !== '[DONE]';
  return (json.error !== undefined && json.error !== null) || json.type === 'error' || json.type === 'response.failed';
}

const endsLine = (chunk: Buffer) => chunk.length > 0 && (chunk[chunk.length - 1] === 0x0a || chunk[chunk.length - 1] === 0x0d);

export interface SseRelayOptions {
  /** Hide the usage chunk the gateway asked for on the client's behalf. */
  stripUsage: boolean;
  /** Set when the upstream got a configured key: error events are scrubbed of every configured key. */
  scrubber: ProviderKeyScrubber | undefined;
  recorder: ResponseRecorder | undefined;
}

/**
 * Turns the chunks of an upstream SSE stream into what the client gets, watching every event
 * for usage on the way. With nothing to hide or scrub, each chunk is relayed as it came.
 * Otherwise an event is written only once it is complete (a key split across chunks is seen
 * whole before any of it leaves), and a chunk that ends on an event boundary with nothing to
 * change is still relayed as the same bytes: providers write whole events, so in practice
 * nothing is held back and nothing re-encoded.
 */
export class SseRelay {
  readonly #framer: SseFramer;
  readonly #text = new StreamText();
  readonly #observer: StreamUsageObserver;
  readonly #opts: SseRelayOptions;
  readonly #holdBack: boolean;
  /** Everything written so far ends on an event boundary (so the next chunk's bytes can go as they are). */
  #aligned = true;

  constructor(observer: StreamUsageObserver, opts: SseRelayOptions) {
    this.#observer = observer;
    this.#opts = opts;
    const { scrubber } = opts;
    this.#framer = new SseFramer(scrubber && ((text) => scrubber.scrubSseEvent(text)));
    this.#holdBack = opts.stripUsage || opts.scrubber !== undefined;
  }

  /** What to write for one upstream chunk (possibly '' while an event is incomplete). */
  push(chunk: Buffer): Buffer | string {
    const events = this.#framer.push(this.#text.push(chunk));
    if (!this.#holdBack) {
      for (const e of events) this.#observe(e);
      return chunk;
    }
    const wasAligned = this.#aligned;
    this.#aligned = !this.#framer.hasPending && endsLine(chunk);
    let out = '';
    let edited = false;
    for (const e of events) {
      const text = this.#relayed(e);
      if (text !== e.raw) edited = true;
      out += text;
    }
    return wasAligned && this.#aligned && !edited ? chunk : out;
  }

  /** At the end of the stream: whatever is still owed to the client (an event without its final blank line). */
  end(): string {
    const events = this.#framer.push(this.#text.end());
    const tail = this.#framer.flush();
    if (tail) events.push(tail);
    if (!this.#holdBack) {
      for (const e of events) this.#observe(e);
      return '';
    }
    let out = '';
    for (const e of events) out += this.#relayed(e);
    return out;
  }

  #observe(e: SseEvent): void {
    this.#opts.recorder?.frame(e.raw);
    this.#observer.observe(e.data);
  }

  /** The event as the client gets it: '' for a hidden usage chunk, scrubbed when it may report an error. */
  #relayed(e: SseEvent): string {
    const { recorder, scrubber, stripUsage } = this.#opts;
    // Most events are neither hidden nor changed, whatever their JSON says: those are observed
    // like any other event, without parsing each (docs/benchmarks.md, "Events relayed without
    // their JSON parsed").
    if (!(stripUsage && mayBeUsageChunk(e.data)) && (scrubber === undefined || scrubber.leavesSseEvent(e))) {
      this.#observe(e);
      return e.raw;
    }
    const json = this.#observer.onData(e.data);
    if (stripUsage && isUsageOnlyChunk(json)) {
      recorder?.frame(e.raw);
      return '';
    }
    // The event's name is scrubbed too: a line like any other to the client (helper-55).
    const text = scrubber && (mayReportError(e, json) || scrubber.holdsKey(e.event)) ? scrubber.scrubSseEvent(e.raw) : e.raw;
    recorder?.frame(text);
    return text;
  }
}
