import type { AddressInfo } from 'node:net';
import { Client, type Dispatcher } from 'undici';
import { WARM_UP_HEADER } from './protocol.ts';

/**
 * How many requests of each kind: V8 gives a function type feedback only once it has run some
 * bytecode (a fixed budget: about eight calls of a function without loops), so fewer would
 * leave the relay's shapes unseen.
 */
const ROUNDS = 16;
/** The most the warm-up may hold up a start (it takes about 120 ms): a store process that hangs is no reason to wait. */
const DEADLINE_MS = 5000;

/**
 * Sends a few requests through this gateway's own port that it relays to the store process,
 * right after it starts listening: before the calls of any load have made its code hot. The relay runs code the calls run too (undici's client, Node's HTTP
 * server, streams, Fastify's routing) with other object shapes: a unix socket instead of TCP, a
 * body streamed through instead of parsed, another request handler. Seen first when that code
 * is already optimized for calls alone (someone opens the UI of a busy gateway), V8 throws 60-80
 * of its optimized functions away and compiles them again under load; seen here, before any of
 * it is optimized, most are compiled for both from the start (docs/benchmarks.md, "The store
 * relay's warm-up"). Only public requests without effects: the session check, and a sign-out
 * without a session (a body streamed through). The store process leaves them out of its access
 * log (`token` proves them ours to the relay, forward.ts). Resolves to how many the store process
 * answered (the relay's own 502 or 503 does not count) within `deadlineMs`, and never throws:
 * warming is best effort, and a store process not up or slow, or an address undici cannot
 * reach (a link-local one with its zone), just means the code warms later.
 */
export async function warmStoreRelay(origin: string, token: string, deadlineMs = DEADLINE_MS): Promise<number> {
  const signal = AbortSignal.timeout(deadlineMs);
  const headers = { [WARM_UP_HEADER]: token };
  const withBody = { 'content-type': 'application/json', [WARM_UP_HEADER]: token };
  let client: Client | undefined;
  let answered = 0;
  /** The store process's answers: the session check unauthenticated, the sign-out done. */
  const count = async (answer: Dispatcher.ResponseData, expected: number) => {
    await answer.body.dump();
    if (answer.statusCode === expected) answered++;
  };
  try {
    client = new Client(origin);
    for (let i = 0; i < ROUNDS; i++) {
      await count(await client.request({ method: 'GET', path: '/api/session', headers, signal }), 401);
      await count(await client.request({ method: 'DELETE', path: '/api/session', headers: withBody, body: '{}', signal }), 204);
    }
  } catch {
    // Nothing to do: what was answered has warmed what it ran.
  } finally {
    await client?.destroy();
  }
  return answered;
}

/** Where this process reaches its own listening socket (an unspecified address on loopback). */
export function ownOrigin(address: AddressInfo): string {
  const host = address.address === '0.0.0.0' ? '127.0.0.1' : address.address === '::' ? '::1' : address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}
