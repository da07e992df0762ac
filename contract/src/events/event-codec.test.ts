import { describe, expect, it } from 'vitest';
import { makeEvent } from '../testing/index.ts';
import { decodeEventRow, encodeRequestEvent, requestIdOf, wellFormedDataJson, wellFormedJson } from './event-codec.ts';

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

  it('writes no escaped lone surrogate, and exactly what JSON.stringify writes when none is there, for generated values small and large', () => {
    // A fixed sequence (an LCG, seed 15): values nested up to 40 deep, lone surrogates and pairs
    // in values, names and array items, objects other than plain ones (toJSON on objects, arrays
    // and functions, boxed strings and their toString, arrays with their own iterator, null
    // prototypes), large enough for both the search and the walk (helper-56's cases among them).
    let state = 15;
    const next = (n: number) => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return (state >>> 8) % n;
    };
    const units = ['a', '"', '\\', 'u', 'd', '8', '\ud800', '\udbff', '\udc00', '\udfff', '😀', '中', '\n'];
    const text = (): string => {
      let out = '';
      for (let i = next(12); i > 0; i--) out += units[next(units.length)];
      return next(6) === 0 ? out + 'x'.repeat(2100) : out;
    };
    const clean = (t: string) => t.replace(/[\ud800-\udfff]/g, '');
    const value = (depth: number, lone: boolean): unknown => {
      const kind = depth > 40 ? 0 : next(depth < 3 ? 10 : 13);
      const t = () => (lone ? text() : clean(text()));
      if (kind <= 1 || kind >= 10) return next(4) === 0 ? next(1000) : t();
      if (kind === 2) return Array.from({ length: next(4) }, () => value(depth + 1, lone));
      if (kind === 3) {
        const written = t();
        return { toJSON: () => written };
      }
      if (kind === 4) return Object.assign(Object.create(null) as object, { [t()]: value(depth + 1, lone) });
      if (kind === 5) {
        const boxed = new String(t());
        const written = t();
        if (next(2) === 0) boxed.toString = () => written;
        return boxed;
      }
      if (kind === 8) {
        const written = t();
        const items = [t(), value(depth + 1, lone)];
        if (next(2) === 0) return Object.assign(items, { toJSON: () => [written] });
        return Object.assign(items, { [Symbol.iterator]: function* () {} });
      }
      if (kind === 9) {
        const written = t();
        return next(2) === 0 ? Object.assign(() => 0, { toJSON: () => written }) : Object.create(String.prototype) as object;
      }
      if (kind === 6) return { deep: value(depth + 30, lone), skipped: undefined, fn: () => 'never written' };
      return Object.fromEntries(Array.from({ length: 1 + next(4) }, () => [t(), value(depth + 1, lone)]));
    };
    const escapedLone = /(^|[^\\])(\\\\)*\\u(d[89ab][0-9a-f]{2}(?!\\ud[c-f])|d[c-f][0-9a-f]{2})/i;
    let walked = 0;
    let repaired = 0;
    for (let i = 0; i < 3000; i++) {
      let v = i % 2 ? value(0, i % 3 !== 0) : { request_id: `r${i}`, body: 'x'.repeat(2048), rest: value(1, i % 3 !== 0) };
      // Past the walk's depth, in arrays and objects.
      if (i % 20 === 0) for (let d = 0; d < 40; d++) v = d % 2 ? [v] : { [`n${d}`]: v, filler: 'y'.repeat(60) };
      const plain = JSON.stringify(v) ?? '';
      if (plain.length > 2048) walked++;
      if (escapedLone.test(plain)) repaired++;
      for (const out of [wellFormedDataJson(v) ?? '', wellFormedJson(v) ?? '']) {
        expect(escapedLone.test(out), out.slice(0, 300)).toBe(false);
        if (!escapedLone.test(plain)) expect(out).toBe(plain);
      }
    }
    expect(walked).toBeGreaterThan(500);
    expect(repaired).toBeGreaterThan(500);
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
