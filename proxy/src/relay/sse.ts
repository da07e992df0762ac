/** One server-sent event as it appeared on the wire, plus its parsed fields. */
export interface SseEvent {
  /** The exact bytes of the event including its terminating blank line. */
  raw: string;
  event: string;
  data: string;
  /**
   * The event has a line that is neither `data:` nor `event:` (a comment, `id:`, `retry:`, another
   * field): readers skip or keep those, and the relay scrubs such events like error events.
   */
  other: boolean;
}

/**
 * Where findBoundary found the blank line: its length (2 to 4 characters). A module variable, so
 * that finding one allocates nothing (a regular expression's match is an array per event).
 */
let boundaryLength = 0;

/**
 * The first event boundary in `text` at or after `from`: two line ends in a row, a line end being
 * CRLF, LF, or a CR not followed by LF. A CR that ends the text read so far is a line end: an
 * event that ends in one goes out at once, not with the next chunk. A CRLF stream cut between its
 * CR and LF then carries the LF at the start of the next event's text, which readers take as an
 * empty line before it: the bytes and the events read from them are the same. Returns its index,
 * or -1; its length is left in boundaryLength.
 */
function findBoundary(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x0a && c !== 0x0d) continue;
    const first = c === 0x0d && text.charCodeAt(i + 1) === 0x0a ? 2 : 1;
    const d = text.charCodeAt(i + first);
    if (d === 0x0a) {
      boundaryLength = first + 1;
      return i;
    }
    if (d === 0x0d) {
      boundaryLength = first + (text.charCodeAt(i + first + 1) === 0x0a ? 2 : 1);
      return i;
    }
  }
  return -1;
}

const MAX_EVENT_CHARS = 8 * 1024 * 1024;
/**
 * What a boundary-less flood keeps back when it is passed through: the start of the next piece,
 * so that a key whose first characters end what has arrived is seen whole with the rest by
 * whoever reads the pieces (the relay's scrubber; helper-55). Longer than any key. A key already
 * whole in the flood is scrubbed before the cut (`scrubFlood`), so none straddles it (helper-69).
 */
const FLOOD_CARRY_CHARS = 4096;
/** Chunks held apart before they are joined: a provider sending one byte at a time holds few strings. */
const JOIN_EVERY = 1024;

/**
 * Incremental SSE framer: feed it text as it arrives and it returns the events completed
 * so far. It never waits for more than one event, so relaying event-by-event adds no
 * buffering beyond a single event.
 */
export class SseFramer {
  /**
   * The text of the event not yet complete, as it arrived. Appending to one string and searching
   * it would flatten the whole string on every chunk: an event sent in many small chunks took
   * seconds (an 8 MB one in 1 KB chunks, 21 s). Only the new chunk, with the last characters
   * before it, is searched; the chunks are joined once the event is complete.
   */
  private parts: string[] = [];
  /** Earlier chunks, joined JOIN_EVERY at a time (and those joined again), so memory stays near the text's size. */
  private blocks: string[] = [];
  private size = 0;
  /** The last characters of the pending text: a boundary (up to 4 characters) may straddle chunks. */
  private tail = '';
  /** What a flood's text becomes before it is cut into the piece passed through and the carry (the relay's scrubber, or nothing). */
  private readonly scrubFlood: ((text: string) => string) | undefined;

  constructor(scrubFlood?: (text: string) => string) {
    this.scrubFlood = scrubFlood;
  }

  push(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let at = 0;
    if (this.size > 0) {
      // The event pending from earlier chunks ends at the first boundary, which may begin in
      // its last characters: only the new chunk, with those, is searched.
      const carried = this.tail;
      const window = carried + text;
      const found = findBoundary(window, 0);
      if (found === -1) {
        this.holdRest(text, window);
        return this.passFlood(events);
      }
      // The boundary ends in `text`: one within the carried characters alone was found before.
      at = found + boundaryLength - carried.length;
      this.hold(text.slice(0, at));
      events.push(parseEvent(this.flushRaw()));
    }
    // Nothing pending: the chunk's whole events are read in place, as they came.
    for (;;) {
      const found = findBoundary(text, at);
      if (found === -1) break;
      const end = found + boundaryLength;
      events.push(parseEvent(text.slice(at, end)));
      at = end;
    }
    if (at < text.length) {
      const rest = at === 0 ? text : text.slice(at);
      this.holdRest(rest, rest);
    }
    return this.passFlood(events);
  }

  /** Holds the start of an event not yet complete; `pending` ends with all of it there is. */
  private holdRest(text: string, pending: string): void {
    if (text === '') return;
    this.hold(text);
    this.tail = pending.slice(-3);
  }

  /** A "stream" with no event boundary is not SSE we can read: its bytes are passed through. */
  private passFlood(events: SseEvent[]): SseEvent[] {
    if (this.size > MAX_EVENT_CHARS) events.push({ raw: this.flushFlood(), event: '', data: '', other: true });
    return events;
  }

  /** Text of an event not yet complete (held here until its boundary arrives). */
  get hasPending(): boolean {
    return this.size > 0;
  }

  private hold(text: string): void {
    this.parts.push(text);
    this.size += text.length;
    if (this.parts.length < JOIN_EVERY) return;
    this.blocks.push(this.parts.join(''));
    this.parts = [];
    if (this.blocks.length >= JOIN_EVERY) this.blocks = [this.blocks.join('')];
  }

  private pendingText(): string {
    return this.blocks.join('') + this.parts.join('');
  }

  private flushRaw(): string {
    const raw = this.pendingText();
    this.parts = [];
    this.blocks = [];
    this.size = 0;
    this.tail = '';
    return raw;
  }

  /** The flood's text, scrubbed whole, but its last FLOOD_CARRY_CHARS (never half a surrogate pair), which stay pending. */
  private flushFlood(): string {
    const raw = this.flushRaw();
    const text = this.scrubFlood ? this.scrubFlood(raw) : raw;
    let cut = text.length - FLOOD_CARRY_CHARS;
    const code = text.charCodeAt(cut);
    if (code >= 0xdc00 && code <= 0xdfff) cut -= 1;
    const carried = text.slice(cut);
    this.hold(carried);
    this.tail = carried.slice(-3);
    return text.slice(0, cut);
  }

  /** Whatever is left when the stream ends without a final blank line. */
  flush(): SseEvent | undefined {
    if (this.pendingText().trim().length === 0) return undefined;
    return parseEvent(this.flushRaw());
  }
}

/**
 * An event's fields, its lines read in place: a regular-expression split of every event into an
 * array of lines took about 40 % of the framing of a provider's one-line event (0.58 against
 * 0.35 µs an event, on one core). A line ends at CRLF, LF or CR; the next
 * CR and LF are each searched for once and reused until passed, so an event of many lines is
 * read in one pass. ProviderKeyScrubber.leavesSseEvent relies on these lines and data lines
 * being those scrubSseEvent finds.
 */
function parseEvent(raw: string): SseEvent {
  let event = '';
  let data: string | undefined;
  let lines: string[] | undefined;
  let other = false;
  let cr = -2;
  let lf = -2;
  for (let at = 0; at < raw.length; ) {
    if (cr !== -1 && cr < at) cr = raw.indexOf('\r', at);
    if (lf !== -1 && lf < at) lf = raw.indexOf('\n', at);
    const end = cr === -1 ? (lf === -1 ? raw.length : lf) : lf === -1 ? cr : Math.min(cr, lf);
    if (raw.startsWith('data:', at)) {
      const value = raw.slice(at + (raw.startsWith('data: ', at) ? 6 : 5), end);
      if (data === undefined) data = value;
      else (lines ??= [data]).push(value);
    } else if (raw.startsWith('event:', at)) {
      event = raw.slice(at + 6, end).trim();
    } else if (end > at) {
      other = true;
    }
    at = end === cr && lf === cr + 1 ? end + 2 : end + 1;
  }
  return { raw, event, data: lines ? lines.join('\n') : (data ?? ''), other };
}
