import type { AddressInfo } from 'node:net';
import { Client } from 'undici';
import { WARM_UP_HEADER } from './protocol.ts';

/**
 * How many requests of each kind: V8 keeps type feedback for a function only from about its
 * eighth call on, so fewer would leave the relay's shapes unseen.
 */
const ROUNDS = 16;
/** The most the warm-up may hold up a start (it takes about 120 ms): a store process that hangs is no reason to wait. */
const DEADLINE_MS = 5000;

/**
 * Sends a few requests through this gateway's own port that it relays to the store process,
 * before any call arrives. The relay runs code the calls run too (undici's client, Node's HTTP
 * server, streams, Fastify's routing) with other object shapes: a unix socket instead of TCP, a
 * body streamed through instead of parsed, another request handler. Seen first when that code
 * is already optimized for calls alone (someone opens the UI of a busy gateway), V8 throws 60-80
 * of its optimized functions away and compiles them again under load; seen here, before any of
 * it is optimized, most are compiled for both from the start (docs/benchmarks.md, "The store
 * relay's warm-up"). Only public requests without effects: the session check, and a sign-out
 * without a session (a body streamed through). The store process leaves them out of its access
 * log (`token` proves them ours to the relay, forward.ts). Resolves to how many were answered
 * within `deadlineMs`: warming is best effort, and a store process not up or slow just means the
 * code warms later.
 */
export async function warmStoreRelay(origin: string, token: string, deadlineMs = DEADLINE_MS): Promise<number> {
  const client = new Client(origin);
  const signal = AbortSignal.timeout(deadlineMs);
  const headers = { [WARM_UP_HEADER]: token };
  const withBody = { 'content-type': 'application/json', [WARM_UP_HEADER]: token };
  let answered = 0;
  try {
    for (let i = 0; i < ROUNDS; i++) {
      await (await client.request({ method: 'GET', path: '/api/session', headers, signal })).body.dump();
      await (await client.request({ method: 'DELETE', path: '/api/session', headers: withBody, body: '{}', signal })).body.dump();
      answered += 2;
    }
  } catch {
    // Nothing to do: what was answered has warmed what it ran.
  } finally {
    await client.destroy();
  }
  return answered;
}

/** Where this process reaches its own listening socket (an unspecified address on loopback). */
export function ownOrigin(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
