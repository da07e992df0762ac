/** One server-sent event as it appeared on the wire, plus its parsed fields. */
export interface SseEvent {
  /** The exact bytes of the event including its terminating blank line. */
  raw: string;
  event: string;
  data: string;
}

/**
 * Incremental SSE framer: feed it text as it arrives and it returns the events completed
 * so far. It never waits for more than one event, so relaying event-by-event adds no
 * buffering beyond a single event.
 */
export class SseFramer {
  private pending = '';

  push(text: string): SseEvent[] {
    this.pending += text;
    const events: SseEvent[] = [];
    for (;;) {
      const m = /(?:\r\n|\n|\r(?!\n))(?:\r\n|\n|\r(?!\n))/.exec(this.pending);
      if (!m) break;
      const end = m.index + m[0].length;
      const raw = this.pending.slice(0, end);
      this.pending = this.pending.slice(end);
      events.push(parseEvent(raw));
    }
    return events;
  }

  /** Whatever is left when the stream ends without a final blank line. */
  flush(): SseEvent | undefined {
    if (this.pending.trim().length === 0) return undefined;
    const raw = this.pending;
    this.pending = '';
    return parseEvent(raw);
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
