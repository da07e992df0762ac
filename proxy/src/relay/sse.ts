/** One server-sent event as it appeared on the wire, plus its parsed fields. */
export interface SseEvent {
  /** The exact bytes of the event including its terminating blank line. */
  raw: string;
  event: string;
  data: string;
}

const BOUNDARY = /(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r(?!\n))/g;
const MAX_EVENT_CHARS = 8 * 1024 * 1024;

/**
 * Incremental SSE framer: feed it text as it arrives and it returns the events completed
 * so far. It never waits for more than one event, so relaying event-by-event adds no
 * buffering beyond a single event.
 */
export class SseFramer {
  private pending = '';
  /** Where the boundary search resumes, so a long event is scanned once, not once per chunk. */
  private scanned = 0;

  push(text: string): SseEvent[] {
    this.pending += text;
    const events: SseEvent[] = [];
    for (;;) {
      BOUNDARY.lastIndex = Math.max(0, this.scanned - 3);
      const m = BOUNDARY.exec(this.pending);
      if (!m) {
        this.scanned = this.pending.length;
        // A "stream" with no event boundary is not SSE we can read: pass its bytes through.
        if (this.pending.length > MAX_EVENT_CHARS) events.push({ raw: this.flushRaw(), event: '', data: '' });
        break;
      }
      const end = m.index + m[0].length;
      const raw = this.pending.slice(0, end);
      this.pending = this.pending.slice(end);
      this.scanned = 0;
      events.push(parseEvent(raw));
    }
    return events;
  }

  /** Text of an event not yet complete (held here until its boundary arrives). */
  get hasPending(): boolean {
    return this.pending.length > 0;
  }

  private flushRaw(): string {
    const raw = this.pending;
    this.pending = '';
    this.scanned = 0;
    return raw;
  }

  /** Whatever is left when the stream ends without a final blank line. */
  flush(): SseEvent | undefined {
    if (this.pending.trim().length === 0) return undefined;
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
