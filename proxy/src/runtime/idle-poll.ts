/**
 * Keeps the event loop polling for `windowMs` after each request arrives, instead of letting it
 * sleep in epoll between calls (`gateway.idle_poll_ms`, off by default). A chain of referenced
 * `setImmediate`s makes libuv poll with a zero timeout, so the thread does not block while calls
 * keep coming. On the bench's machine a gateway that sleeps between calls spends about three
 * times the CPU per call at 500/s as at saturation, each call waking an idle core; with a 10 ms
 * window the `proxy` role's p50 at 500/s fell from 0.69-0.84 to 0.53-0.65 ms (docs/benchmarks.md,
 * "Polling instead of sleeping between calls"). The price: up to `windowMs` of CPU per request,
 * so the whole CPU while requests come less than `windowMs` apart, and garbage (an Immediate per
 * turn of the loop). It is for a gateway with a CPU of its own (docs/deployment.md, "One CPU per
 * gateway"). The window opens when a request arrives, not when its provider answers: a call
 * that waits longer than the window for its provider is woken from sleep as without polling.
 */
export class IdlePoll {
  #until = 0;
  #spinning = false;
  #stopped = false;

  /** `now` is for tests: the clock the window is measured on. */
  constructor(private readonly windowMs: number, private readonly now: () => number = () => performance.now()) {
    if (!(Number.isFinite(windowMs) && windowMs > 0)) throw new RangeError(`idle poll window must be a number of ms > 0, got ${windowMs}`);
  }

  /** Whether the loop is being kept polling now. */
  get polling(): boolean {
    return this.#spinning;
  }

  /** A request arrived: poll until `windowMs` from now. */
  readonly touch = (): void => {
    if (this.#stopped) return;
    this.#until = this.now() + this.windowMs;
    if (this.#spinning) return;
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
    if (this.now() < this.#until) setImmediate(this.#tick);
    else this.#spinning = false;
  };
}
