import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.ts';
import { SseFramer, type SseEvent } from './sse.ts';

describe('SseFramer', () => {
  it('frames events split across arbitrary chunk boundaries, keeping the raw bytes', () => {
    const wire = 'event: message_start\ndata: {"a":1}\n\ndata: {"b":\ndata: 2}\n\r\n: comment\n\ndata: [DONE]\n\n';
    for (let split = 1; split < wire.length; split += 7) {
      const f = new SseFramer();
      const events = [...f.push(wire.slice(0, split)), ...f.push(wire.slice(split))];
      expect(events.map((e) => e.raw).join('')).toBe(wire);
      expect(events.map((e) => e.data)).toEqual(['{"a":1}', '{"b":\n2}', '', '[DONE]']);
      expect(events[0]!.event).toBe('message_start');
    }
  });

  it('frames generated streams in random chunks into the events it reads from them whole, and loses or repeats no byte: fixed seed', () => {
    const random = seededRandom(0x55e);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    for (let i = 0; i < 2000; i++) {
      const eol = pick(['\n', '\r\n', '\r']);
      let wire = '';
      for (let n = Math.floor(random() * 8); n > 0; n--) {
        wire += pick(['data: {"a":1}', 'event: e', 'id: 7', ': c', 'data: [DONE]', 'data:']) + eol;
        if (random() < 0.5) wire += eol;
      }
      // What a reader acts on: the events that carry data or a name. (A CRLF cut between its CR
      // and LF moves the LF to the next event's text: the bytes are the same.)
      const read = (events: SseEvent[]) => events.filter((e) => e.data !== '' || e.event !== '').map((e) => [e.event, e.data]);
      const whole = new SseFramer();
      const wholeEvents = [...whole.push(wire), ...[whole.flush()].filter((e) => e !== undefined)];
      const f = new SseFramer();
      const chunked: SseEvent[] = [];
      for (let at = 0; at < wire.length; ) {
        const next = Math.min(wire.length, at + 1 + Math.floor(random() * 6));
        chunked.push(...f.push(wire.slice(at, next)));
        at = next;
      }
      const tail = f.flush();
      expect(read([...chunked, ...(tail ? [tail] : [])]), JSON.stringify(wire)).toEqual(read(wholeEvents));
      // Every byte once, in order; flush() leaves out only blank text after the last event.
      const framed = chunked.map((e) => e.raw).join('') + (tail?.raw ?? '');
      expect(wire.startsWith(framed) && wire.slice(framed.length).trim() === '', JSON.stringify([wire, framed])).toBe(true);
    }
  });

  it('reads each generated event\'s name, data and other lines as the lines split on CRLF, LF and CR give them: fixed seed', () => {
    // The reading of the event stream format, line by line, written plainly: the reference.
    const reference = (raw: string) => {
      let event = '';
      let other = false;
      const data: string[] = [];
      for (const line of raw.split(/\r\n|\n|\r/)) {
        if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
        else if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line !== '') other = true;
      }
      return [event, data.join('\n'), other];
    };
    const random = seededRandom(0x5e7);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const eols = ['\n', '\r\n', '\r'];
    let events = 0;
    for (let i = 0; i < 3000; i++) {
      let wire = random() < 0.2 ? pick(eols) : '';
      for (let n = 1 + Math.floor(random() * 6); n > 0; n--) {
        const field = pick(['data:', 'data: ', 'data:  ', 'event:', 'event: ', 'id: ', ':', 'dat', 'data', 'Data: ', 'xdata: ', '']);
        const value = pick(['', '{"a":1}', ' x ', 'data: y', 'event: z', '[DONE]', 'é€😀', ' ']);
        wire += field + value + pick(eols);
      }
      if (random() < 0.8) wire += pick(eols);
      const f = new SseFramer();
      const framed = [...f.push(wire), ...[f.flush()].filter((e) => e !== undefined)];
      for (const e of framed) {
        expect([e.event, e.data, e.other], JSON.stringify(e.raw)).toEqual(reference(e.raw));
        events++;
      }
    }
    expect(events).toBeGreaterThan(3000);
  });

  it('sends an event that ends in a lone CR at once, and joins an event sent a byte at a time', () => {
    const f = new SseFramer();
    expect(f.push('data: a\r\r').map((e) => e.data)).toEqual(['a']);
    const big = 'x'.repeat(5000);
    expect(f.push('data: ')).toEqual([]);
    for (const ch of big) expect(f.push(ch)).toEqual([]);
    expect(f.push('\n\n').map((e) => e.data)).toEqual([big]);
  });

  it('returns an unterminated tail on flush', () => {
    const f = new SseFramer();
    expect(f.push('data: x')).toEqual([]);
    expect(f.flush()?.data).toBe('x');
    expect(f.flush()).toBeUndefined();
  });

  it('passes a boundary-less flood through instead of buffering it forever, keeping its last 4,096 characters (never half a pair) for what follows', () => {
    const f = new SseFramer();
    const out = f.push('x'.repeat(9 * 1024 * 1024));
    expect(out).toHaveLength(1);
    expect(out[0]!.raw).toHaveLength(9 * 1024 * 1024 - 4096);
    expect(out[0]!.other).toBe(true);
    const next = f.push('\n\ndata: ok\n\n');
    expect(next.map((e) => e.raw)).toEqual(['x'.repeat(4096) + '\n\n', 'data: ok\n\n']);
    expect(next[1]!.data).toBe('ok');
    // A pair of surrogates at the cut goes on whole.
    const g = new SseFramer();
    const flood = 'y'.repeat(9 * 1024 * 1024 - 4097) + '😀' + 'z'.repeat(4095);
    const passed = g.push(flood)[0]!.raw;
    expect(passed.endsWith('y')).toBe(true);
    expect(passed + g.flush()!.raw).toBe(flood);
  });
});
