import { describe, expect, it } from 'vitest';
import { makeEvent } from '../testing/index.ts';
import { decodeEventRow, encodeRequestEvent, requestIdOf } from './event-codec.ts';

describe('event codec', () => {
  it('encodes request_id first, whatever order the object has, so the id reads from the prefix', () => {
    const event = makeEvent();
    const shuffled = { ...event, request_id: undefined, event_version: undefined };
    const bytes = encodeRequestEvent(Object.assign(shuffled, { request_id: event.request_id, event_version: 2 }) as typeof event);
    expect(bytes.toString().startsWith(`{"request_id":"${event.request_id}"`)).toBe(true);
    expect(requestIdOf(bytes)).toBe(event.request_id);
  });

  it('reads ids with escapes through JSON, and refuses what does not start like an event', () => {
    const event = makeEvent({ request_id: 'a "quoted" \\ id' });
    expect(requestIdOf(encodeRequestEvent(event))).toBe('a "quoted" \\ id');
    expect(requestIdOf(Buffer.from('{"model":"x","request_id":"r"}'))).toBeUndefined();
    expect(requestIdOf(Buffer.from('{"request_id":"unterminated'))).toBeUndefined();
  });

  it('writes lone surrogates as U+FFFD, in values and property names, and leaves pairs and literal backslashes alone', () => {
    const event = makeEvent({ model: 'x\ud800', user_id: '\udc00', properties: { 'k\udbff': 'v\ud800"q' }, request_body: 'text \\ud800 and 😀' });
    const bytes = encodeRequestEvent(event);
    expect(bytes.toString()).not.toMatch(/(^|[^\\])(\\\\)*\\ud[89a-f]/i);
    const decoded = JSON.parse(bytes.toString()) as typeof event;
    expect(decoded).toMatchObject({ model: 'x\ufffd', user_id: '\ufffd', properties: { 'k\ufffd': 'v\ufffd"q' }, request_body: 'text \\ud800 and 😀' });
    const plain = makeEvent({ request_body: 'a literal \\ud800 only' });
    expect(encodeRequestEvent(plain).toString()).toBe(JSON.stringify(plain));
  });

  it('encodes again, well-formed, bytes that hold an escaped lone surrogate (an older gateway, another producer)', () => {
    const event = makeEvent({ model: 'm', user_id: 'u' });
    const lower = Buffer.from(JSON.stringify(event).replace('"user_id":"u"', '"user_id":"a\\ud800b"'));
    const upper = Buffer.from(JSON.stringify(event).replace('"user_id":"u"', '"user_id":"a\\uD800b"'));
    for (const bytes of [lower, upper]) {
      const decoded = decodeEventRow(bytes);
      expect(decoded.ok).toBe(true);
      if (!decoded.ok) continue;
      expect(decoded.row).not.toBe(bytes);
      expect((JSON.parse(decoded.row.toString()) as { user_id: string }).user_id).toBe('a\ufffdb');
    }
  });

  it('passes a current event through as the very bytes it came in (no re-encoding)', () => {
    const bytes = encodeRequestEvent(makeEvent());
    const decoded = decodeEventRow(bytes);
    expect(decoded.ok && decoded.row).toBe(bytes);
  });

  it('re-encodes a version-1 event as a current row', () => {
    const { event_version: _v, ...rest } = makeEvent();
    const decoded = decodeEventRow(Buffer.from(JSON.stringify({ v: 1, ...rest })));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(JSON.parse(decoded.row.toString())).toMatchObject({ request_id: rest.request_id, event_version: 2 });
  });

  it.each([
    ['not JSON', Buffer.from('{"request_id":"r",'), /not JSON/],
    ['a raw newline between fields', Buffer.from(JSON.stringify(makeEvent()).replace(',', ',\n')), /raw newline/],
    ['a contract violation', encodeRequestEvent(makeEvent({ status: 5000 })), /status must be/],
  ])('refuses %s, with the reason', (_label, bytes, reason) => {
    const decoded = decodeEventRow(bytes);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });
});
