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
 * Two line ends. A CR that ends the text read so far is a line end: an event that ends in one
 * goes out at once, not with the next chunk. A CRLF stream cut between its CR and LF then
 * carries the LF at the start of the next event's text, which readers take as an empty line
 * before it: the bytes and the events read from them are the same.
 */
const BOUNDARY = /(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r(?!\n))/g;
const MAX_EVENT_CHARS = 8 * 1024 * 1024;
/**
 * What a boundary-less flood keeps back when it is passed through: the start of the next piece,
 * so that a key cut by the pass-through is seen whole by whoever reads the pieces (the relay's
 * scrubber; helper-55). Longer than any key.
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

  push(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    for (let rest = text; ; ) {
      const carried = this.tail;
      const window = carried + rest;
      BOUNDARY.lastIndex = 0;
      const m = BOUNDARY.exec(window);
      if (!m) {
        if (rest !== '') {
          this.hold(rest);
          this.tail = window.slice(-3);
        }
        // A "stream" with no event boundary is not SSE we can read: pass its bytes through.
        if (this.size > MAX_EVENT_CHARS) events.push({ raw: this.flushFlood(), event: '', data: '', other: true });
        return events;
      }
      // The boundary ends in `rest`: one found within the carried characters alone was found before.
      const end = m.index + m[0].length - carried.length;
      this.hold(rest.slice(0, end));
      events.push(parseEvent(this.flushRaw()));
      rest = rest.slice(end);
    }
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

  /** The flood's text but its last FLOOD_CARRY_CHARS (never half a surrogate pair), which stay pending. */
  private flushFlood(): string {
    const text = this.flushRaw();
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
 * read in one pass.
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
