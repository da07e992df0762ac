import { describe, expect, it, vi } from 'vitest';
import { makeEvent } from '../testing/index.ts';
import type { RequestEvent } from './request-event.ts';
import { encodeRequestEvent } from './event-codec.ts';
import * as codec from './event-codec.ts';
import { EventWriter } from './event-writer.ts';

// The writer's other path, counted: a plain event must not take it.
vi.mock('./event-codec.ts', async (original) => {
  const actual = await original<typeof import('./event-codec.ts')>();
  return { ...actual, encodeRequestEventText: vi.fn(actual.encodeRequestEventText) };
});
const slowPath = vi.mocked(codec.encodeRequestEventText);

const HEADROOM = 8;

/** What the writer wrote after its headroom, or the error it threw; the same from encodeRequestEvent. */
function both(writer: EventWriter, event: RequestEvent): [Buffer | string, Buffer | string] {
  const outcome = (f: () => Buffer) => {
    try {
      return f();
    } catch (err) {
      return `threw ${(err as Error).constructor.name}`;
    }
  };
  return [outcome(() => Buffer.from(writer.write(event).subarray(HEADROOM))), outcome(() => encodeRequestEvent(event))];
}

const same = ([a, b]: [Buffer | string, Buffer | string]) => (typeof a === 'string' || typeof b === 'string' ? a === b : a.equals(b));

/** A fixed sequence (an LCG): the suite's seed is 15; PERISCOPE_WRITER_SEED and _CASES run others, longer. */
function generator(seed: number) {
  let state = seed;
  const next = (n: number) => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state >>> 8) % n;
  };
  const controls = Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c));
  const units = [...controls, 'a', 'Z', ' ', '"', '\\', '/', '\u007f', '\u0080', 'é', '\u00ff', '\u0100', '€', '\u2028', '\u2029', '\ufeff', '\uffff', '中',
    '😀', '\ud800', '\udbff', '\udc00', '\udfff', '\\u', 'd8', '{"k":"v"}', 'data: ', '\n\n'];
  const text = (): string => {
    let out = '';
    const length = [0, 1, 5, 31, 32, 33, 100][next(7)]!;
    for (let i = 0; i < length; i++) out += units[next(units.length)];
    const long = next(8);
    // Past the short strings' loop, past an escape block of quotes (6 bytes out per control), past the writer's kept memory.
    if (long === 0) return out + units[next(units.length)]!.repeat(40 + next(3000));
    if (long === 1 && next(32) === 0) return out + '\u0001"'.repeat(9000 + next(400_000));
    return out;
  };
  const numbers = [0, -0, 1, -1, 7, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 1e15 - 1, 1e15, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 53 + 2,
    1e21, 1e21 - 65536, 0.1, 1.5e-7, 1e-7, 123.456, -0.000001, 5e-324, Number.MAX_VALUE, NaN, Infinity, -Infinity, 1733550000123, 0.000123];
  const number = () => (next(3) === 0 ? Math.floor(Math.random() * 2 ** next(54)) * (next(2) ? 1 : -1) : numbers[next(numbers.length)]!);
  const name = (): string => ['a', 'request_body', '0', '17', '-1', '__proto__', 'é', 'k\ud800', '😀', '"', 'x'.repeat(40), text()][next(12)]!;
  class Thing {
    constructor(readonly a = 1) {}
  }
  const value = (depth: number): unknown => {
    const kind = next(depth > 34 ? 4 : 22);
    if (kind === 0) return text();
    if (kind === 1) return number();
    if (kind === 2) return [true, false, null][next(3)];
    if (kind === 3) return [undefined, () => 1, Symbol('s')][next(3)];
    if (kind <= 6) return Array.from({ length: next(4) }, () => value(depth + 1));
    if (kind <= 10) {
      const object: Record<string, unknown> = next(6) === 0 ? (Object.create(null) as Record<string, unknown>) : {};
      // Defined, not assigned: a name __proto__ is then the object's own, as JSON.parse makes it.
      for (let i = next(4); i > 0; i--) Object.defineProperty(object, name(), { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
      return object;
    }
    if (kind === 11 && next(4) === 0) {
      const written = value(depth + 1);
      return next(2) ? { toJSON: () => written } : Object.assign(() => 0, { toJSON: () => written });
    }
    if (kind === 12 && next(4) === 0) return [new Date(1733550000000), new String(text()), new Number(3), new Thing(), new Map([[1, 2]]), Buffer.from('ab'), new Uint8Array(2)][next(7)];
    if (kind === 13 && next(16) === 0) return next(2) ? 10n : Object.assign([1, 2], { extra: 'x' });
    if (kind === 14 && next(4) === 0) {
      // Sparse, and with an array's own toJSON.
      const sparse: unknown[] = [];
      sparse[next(3) + 1] = value(depth + 1);
      if (next(3) === 0) Object.assign(sparse, { toJSON: () => 'arr' });
      return sparse;
    }
    return text();
  };
  const event = (): RequestEvent => {
    const overrides: Record<string, unknown> = {};
    const fields = ['model', 'user_id', 'properties', 'request_body', 'response_body', 'error_message', 'latency_ms', 'cost_usd', 'created_at', 'attempt_log', 'ttft_ms', 'status'];
    for (let i = next(6); i > 0; i--) overrides[fields[next(fields.length)]!] = value(0);
    if (next(4) === 0) overrides.request_body = text();
    if (next(4) === 0) overrides.properties = Object.fromEntries(Array.from({ length: next(5) }, () => [name(), text()]));
    const made = makeEvent(overrides as Partial<RequestEvent>);
    if (next(20) === 0) made.request_id = text();
    if (next(30) === 0) return Object.assign({ model: 'first' }, made);
    if (next(40) === 0) return Object.assign({ 5: 'integer-like first' }, made) as RequestEvent;
    if (next(40) === 0) (made as { request_id: unknown }).request_id = next(2) ? 7 : undefined;
    return made;
  };
  return { event, value };
}

function cyclic(): RequestEvent {
  const event = makeEvent();
  (event.properties as Record<string, unknown>).self = event.properties;
  return event;
}

describe('EventWriter', () => {
  it('writes exactly the bytes encodeRequestEvent returns (or throws as it does), for generated events', () => {
    const seed = Number(process.env.PERISCOPE_WRITER_SEED ?? 15);
    const cases = Number(process.env.PERISCOPE_WRITER_CASES ?? 3000);
    const { event } = generator(seed);
    const writer = new EventWriter(HEADROOM);
    let differences = 0;
    let threw = 0;
    slowPath.mockClear();
    for (let i = 0; i < cases; i++) {
      const e = event();
      const outcomes = both(writer, e);
      if (typeof outcomes[1] === 'string') threw++;
      if (!same(outcomes)) {
        differences++;
        if (differences <= 3) expect({ case: i, written: outcomes[0].toString().slice(0, 2000) }).toEqual({ case: i, written: outcomes[1].toString().slice(0, 2000) });
      }
    }
    expect(differences).toBe(0);
    // The generator reaches what makes JSON.stringify throw (a BigInt), and mostly what it writes.
    expect(threw).toBeGreaterThan(0);
    expect(threw).toBeLessThan(cases / 10);
    // Most are written by the writer itself.
    const own = cases - slowPath.mock.calls.length;
    expect(own).toBeGreaterThan(cases / 2);
    expect(own).toBeLessThan(cases);
  });

  it('writes only own properties, as JSON.stringify does, when Object.prototype has an enumerable one', () => {
    const writer = new EventWriter(HEADROOM);
    const event = makeEvent({ properties: { team: 'a' } });
    let equal: boolean;
    Object.defineProperty(Object.prototype, 'polluted', { value: 'x', enumerable: true, configurable: true, writable: true });
    try {
      equal = same(both(writer, event));
    } finally {
      delete (Object.prototype as { polluted?: unknown }).polluted;
    }
    expect(equal).toBe(true);
  });

  it('writes a plain event itself, every byte escape and width among its strings, and long ones past its kept memory', () => {
    const writer = new EventWriter(HEADROOM);
    const everyUnit = Array.from({ length: 0x300 }, (_, c) => String.fromCharCode(c)).join('') + '\u2028\ufeff中😀\ud800x\udfff';
    const events = [
      makeEvent(),
      makeEvent({ model: everyUnit, properties: { [everyUnit.replace(/[\ud800-\udfff]/g, '')]: everyUnit, '0': '', 'ü': '"' }, latency_ms: 2 ** 53 - 1, cost_usd: 1.5e-7, ttft_ms: null }),
      makeEvent({ response_body: `data: {"x":"\\n"}\n\n`.repeat(200_000), request_body: '\u0000'.repeat(300_000) }),
      makeEvent({ request_body: 'after a long one' }),
    ];
    slowPath.mockClear();
    for (const e of events) {
      expect(same(both(writer, e))).toBe(true);
    }
    expect(slowPath).not.toHaveBeenCalled();
    // Its headroom is there to be framed in place, and the view ends at the event's last byte.
    const view = writer.write(events[0]!);
    expect(view.length).toBe(HEADROOM + encodeRequestEvent(events[0]!).length);
  });

  it('leaves to encodeRequestEventText what it does not write itself', () => {
    const writer = new EventWriter(HEADROOM);
    const { request_id: id, ...rest } = makeEvent();
    const cases = [
      Object.assign({ model: 'm' }, rest, { request_id: id }) as RequestEvent,
      makeEvent({ properties: { 'k\ud800': 'a', 'k\udbff': 'b' } }),
      makeEvent({ created_at: new Date(0) as unknown as number }),
      makeEvent({ attempt_log: [Object.assign(Object.create({ inherited: 1 }) as object, { model: 'x' })] as RequestEvent['attempt_log'] }),
      cyclic(),
    ];
    for (const e of cases) {
      slowPath.mockClear();
      expect(same(both(writer, e))).toBe(true);
      expect(slowPath).toHaveBeenCalledTimes(1);
    }
  });
});
