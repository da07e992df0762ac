import { describe, expect, it } from 'vitest';
import { formatTraceparent, IdSource, parseTraceContext, parseTraceState, shouldSample } from './trace-context.ts';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('W3C traceparent', () => {
  it('reads a valid header, its sampled flag and tracestate', () => {
    expect(parseTraceContext(`00-${T}-${S}-01`, 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE')).toEqual({ traceId: T, spanId: S, sampled: true, traceState: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE' });
    expect(parseTraceContext(`00-${T}-${S}-00`, undefined)?.sampled).toBe(false);
    expect(parseTraceContext(`00-${T}-${S}-03`, undefined)?.sampled).toBe(true); // other flag bits are ignored
    // A future version may append fields; its first four are read.
    expect(parseTraceContext(`cc-${T}-${S}-01-what-the-future-holds`, undefined)?.traceId).toBe(T);
  });

  it.each([
    ['missing', undefined],
    ['several headers', [`00-${T}-${S}-01`, `00-${T}-${S}-01`]],
    ['upper-case hex', `00-${T.toUpperCase()}-${S}-01`],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${S}-01`],
    ['all-zero span id', `00-${T}-${'0'.repeat(16)}-01`],
    ['version ff', `ff-${T}-${S}-01`],
    ['version 00 with extra fields', `00-${T}-${S}-01-extra`],
    ['short trace id', `00-${T.slice(1)}-${S}-01`],
    ['garbage', 'not a traceparent'],
    ['huge', `00-${T}-${S}-01`.padEnd(10_000, 'x')],
  ])('ignores a malformed one (%s)', (_name, header) => {
    expect(parseTraceContext(header, 'a=b')).toBeUndefined();
  });

  it('formats the outgoing header', () => {
    expect(formatTraceparent(T, S, true)).toBe(`00-${T}-${S}-01`);
    expect(formatTraceparent(T, S, false)).toBe(`00-${T}-${S}-00`);
  });
});

describe('tracestate', () => {
  it('joins several headers and keeps valid members', () => {
    expect(parseTraceState(['a=1', 'b=2,tenant@sys=x'])).toBe('a=1,b=2,tenant@sys=x');
  });

  it.each([['=x'], ['A=1'], ['a=1,a=2'], ['a=b=c'], ['a=1,' + Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',')]])('drops an invalid list (%s)', (header) => {
    expect(parseTraceState(header)).toBe('');
  });

  it('trims a list over 512 characters, long members first', () => {
    const long = `big=${'x'.repeat(200)}`;
    const small = Array.from({ length: 20 }, (_, i) => `k${i}=${'v'.repeat(15)}`);
    const out = parseTraceState([long, ...small].join(','));
    expect(out.length).toBeLessThanOrEqual(512);
    expect(out).not.toContain('big=');
    expect(out.startsWith('k0=')).toBe(true);
  });
});

describe('ids and sampling', () => {
  it('makes distinct, well-formed ids', () => {
    const ids = new IdSource();
    const spans = new Set(Array.from({ length: 2000 }, () => ids.spanId()));
    expect(spans.size).toBe(2000);
    for (const id of spans) expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(ids.traceId()).toMatch(/^[0-9a-f]{32}$/);
  });

  it('follows a parent\'s decision, else samples by trace id at the configured ratio', () => {
    const parent = { traceId: T, spanId: S, sampled: false, traceState: '' };
    expect(shouldSample({ ratio: 1, parent_based: true }, T, parent)).toBe(false);
    expect(shouldSample({ ratio: 0, parent_based: true }, T, { ...parent, sampled: true })).toBe(true);
    expect(shouldSample({ ratio: 1, parent_based: false }, T, parent)).toBe(true);
    const ids = new IdSource();
    const traces = Array.from({ length: 20_000 }, () => ids.traceId());
    const share = traces.filter((t) => shouldSample({ ratio: 0.25, parent_based: true }, t, undefined)).length / traces.length;
    expect(share).toBeGreaterThan(0.23);
    expect(share).toBeLessThan(0.27);
    // The same trace id always gets the same answer.
    expect(traces.every((t) => shouldSample({ ratio: 0.25, parent_based: true }, t, undefined) === shouldSample({ ratio: 0.25, parent_based: true }, t, undefined))).toBe(true);
  });
});
