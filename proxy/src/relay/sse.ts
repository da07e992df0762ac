/** One server-sent event as it appeared on the wire, plus its parsed fields. */
export interface SseEvent {
  /** The exact bytes of the event including its terminating blank line. */
  raw: string;
  event: string;
  data: string;
}

/**
 * Two line ends. A CR is a line end of its own only once the next character is known not to be
 * LF: a CRLF stream cut between its CR and LF must not read as a blank line.
 */
const BOUNDARY = /(?:\r\n|\n|\r(?=[^\n]))(?:\r\n|\n|\r(?=[^\n]))/g;
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

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
          this.parts.push(rest);
          this.size += rest.length;
          this.tail = window.slice(-3);
        }
        // A "stream" with no event boundary is not SSE we can read: pass its bytes through.
        if (this.size > MAX_EVENT_CHARS) events.push({ raw: this.flushRaw(), event: '', data: '' });
        return events;
      }
      // The boundary ends in `rest`: one found within the carried characters alone was found before.
      const end = m.index + m[0].length - carried.length;
      this.parts.push(rest.slice(0, end));
      events.push(parseEvent(this.flushRaw()));
      rest = rest.slice(end);
    }
  }

  /** Text of an event not yet complete (held here until its boundary arrives). */
  get hasPending(): boolean {
    return this.size > 0;
  }

  private flushRaw(): string {
    const raw = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.tail = '';
    return raw;
  }

  /** Whatever is left when the stream ends without a final blank line. */
  flush(): SseEvent | undefined {
    if (this.parts.join('').trim().length === 0) return undefined;
    return parseEvent(this.flushRaw());
  }
}

function parseEvent(raw: string): SseEvent {
  let event = '';
  const data: string[] = [];
  for (const line of raw.split(/\r\n|\n|\r/)) {
    if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
    else if (line.startsWith('event:')) event = line.slice(6).trim();
  }
  return { raw, event, data: data.join('\n') };
}
