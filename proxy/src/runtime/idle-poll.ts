import type { Server } from 'node:http';

/**
 * Keeps the event loop polling for `windowMs` after each request arrives, instead of letting it
 * sleep in epoll between calls (`gateway.idle_poll_ms`, off by default). A chain of referenced
 * `setImmediate`s makes libuv poll with a zero timeout, so the thread does not block while calls
 * keep coming. On the bench's machine a gateway that sleeps between calls spends about twice the
 * CPU per call at 500/s as at saturation, each call waking an idle core; with a 10 ms window the
 * `proxy` role's p50 at 500/s fell from 0.69-0.84 to 0.53-0.65 ms and its median p99 from 2.8
 * to 2.3 ms (docs/benchmarks.md, "Polling instead of sleeping between calls"). The price is the
 * whole CPU while calls arrive less than `windowMs` apart, so this is for a gateway with a CPU
 * of its own (docs/deployment.md, "One CPU per gateway"). Idle, nothing polls: the window
 * closes `windowMs` after the last request.
 */
export class IdlePoll {
  #until = 0;
  #spinning = false;
  #stopped = false;

  constructor(private readonly windowMs: number) {
    if (!(windowMs > 0)) throw new RangeError(`idle poll window must be > 0 ms, got ${windowMs}`);
  }

  /** Whether the loop is being kept polling now. */
  get polling(): boolean {
    return this.#spinning;
  }

  /** A request arrived: poll until `windowMs` from now. */
  readonly touch = (): void => {
    this.#until = performance.now() + this.windowMs;
    if (this.#spinning || this.#stopped) return;
    this.#spinning = true;
    // Referenced on purpose: an unref'd immediate does not stop libuv from blocking in its poll.
    setImmediate(this.#tick);
  };

  /** For good: a closed server's process must be free to exit. */
  stop(): void {
    this.#stopped = true;
    this.#until = 0;
  }

  readonly #tick = (): void => {
    if (performance.now() < this.#until) setImmediate(this.#tick);
    else this.#spinning = false;
  };
}

/** Polls after each request `server` receives, until it closes; nothing when `windowMs` is 0. */
export function pollAfterRequests(server: Server, windowMs: number): IdlePoll | undefined {
  if (windowMs === 0) return undefined;
  const poll = new IdlePoll(windowMs);
  server.on('request', poll.touch);
  server.once('close', () => poll.stop());
  return poll;
}
