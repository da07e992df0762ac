import { createRequire } from 'node:module';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/**
 * kafkajs's per-connection request queue as patched by patches/kafkajs@2.2.4.patch, driven with
 * fake timers: the paths whose only trigger is the queue's own timer (client-side throttling,
 * the in-flight limit) still send what waits, and an idle queue arms nothing.
 */
interface Entry {
  correlationId: number;
  apiKey: number;
  apiName: string;
  apiVersion: number;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}
interface RequestQueue {
  push(r: { entry: Entry; expectResponse: boolean; sendRequest: () => void; requestTimeout?: number }): void;
  fulfillRequest(r: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number | null): void;
  destroy(): void;
  pending: unknown[];
}
type RequestQueueClass = new (o: object) => RequestQueue;

// kafkajs has no exports map: its internals load by path, from the same (patched) copy the clients use.
const RequestQueueImpl = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as RequestQueueClass;
const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function queue(maxInFlightRequests: number | null = null): RequestQueue {
  return new RequestQueueImpl({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'test', broker: 'b:9092', logger });
}

let nextId = 0;
function request(sent: number[]) {
  const correlationId = ++nextId;
  const entry: Entry = { correlationId, apiKey: 0, apiName: 'Produce', apiVersion: 7, resolve: () => {}, reject: () => {} };
  return { entry, expectResponse: true, sendRequest: () => void sent.push(correlationId) };
}

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] }));
afterEach(() => vi.useRealTimers());

describe('kafkajs request queue (patched)', () => {
  it('arms no timer once every request is answered', () => {
    const q = queue();
    const sent: number[] = [];
    const r = request(sent);
    q.push(r);
    expect(sent).toEqual([r.entry.correlationId]);
    q.fulfillRequest({ correlationId: r.entry.correlationId, payload: Buffer.alloc(0), size: 0 });
    // Unpatched: a 1 ms timer here that re-arms itself forever.
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(1000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends a request held back by client-side throttling when the throttle ends', () => {
    const q = queue();
    const sent: number[] = [];
    const first = request(sent);
    q.push(first);
    q.fulfillRequest({ correlationId: first.entry.correlationId, payload: Buffer.alloc(0), size: 0 });
    q.maybeThrottle(50);
    expect(vi.getTimerCount()).toBe(0);
    const second = request(sent);
    q.push(second);
    expect(sent).toEqual([first.entry.correlationId]);
    vi.advanceTimersByTime(49);
    expect(sent).toEqual([first.entry.correlationId]);
    vi.advanceTimersByTime(2);
    expect(sent).toEqual([first.entry.correlationId, second.entry.correlationId]);
    q.fulfillRequest({ correlationId: second.entry.correlationId, payload: Buffer.alloc(0), size: 0 });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends requests held back by the in-flight limit as earlier ones are answered', () => {
    const q = queue(1);
    const sent: number[] = [];
    const reqs = [request(sent), request(sent), request(sent)];
    for (const r of reqs) q.push(r);
    expect(sent).toEqual([reqs[0]!.entry.correlationId]);
    for (const [i, r] of reqs.entries()) {
      q.fulfillRequest({ correlationId: r.entry.correlationId, payload: Buffer.alloc(0), size: 0 });
      expect(sent).toEqual(reqs.slice(0, Math.min(i + 2, reqs.length)).map((x) => x.entry.correlationId));
    }
    expect(q.pending).toHaveLength(0);
    vi.advanceTimersByTime(100);
    expect(vi.getTimerCount()).toBe(0);
  });
});
