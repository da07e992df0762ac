import { describe, expect, it } from 'vitest';
import { SseFramer } from './sse.ts';

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

  it('returns an unterminated tail on flush', () => {
    const f = new SseFramer();
    expect(f.push('data: x')).toEqual([]);
    expect(f.flush()?.data).toBe('x');
    expect(f.flush()).toBeUndefined();
  });

  it('passes a boundary-less flood through instead of buffering it forever', () => {
    const f = new SseFramer();
    const out = f.push('x'.repeat(9 * 1024 * 1024));
    expect(out).toHaveLength(1);
    expect(out[0]!.raw).toHaveLength(9 * 1024 * 1024);
    expect(f.push('data: ok\n\n')[0]!.data).toBe('ok');
  });
});
