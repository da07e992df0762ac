/**
 * Shared and exclusive turns on the store's chDB session. A query that fails after writing
 * output leaves that output for the next query started on the session, even one already
 * running beside it (driver/chdb-stream.int.test.ts), so queries take exclusive turns: one at
 * a time, in arrival order, each waiting for the inserts in flight, while inserts that arrive
 * meanwhile wait for it. Inserts share their turns.
 */
export class SessionGate {
  #running = 0;
  #drained: (() => void) | null = null;
  #pending = 0;
  #barrier: Promise<void> | null = null;
  #openBarrier: () => void = () => {};
  #queue: Promise<void> = Promise.resolve();

  /** An exclusive turn is waiting or running. */
  get exclusiveInUse(): boolean {
    return this.#pending > 0;
  }

  async shared<T>(operation: () => Promise<T>): Promise<T> {
    while (this.#barrier) await this.#barrier;
    this.#running += 1;
    try {
      return await operation();
    } finally {
      this.#running -= 1;
      if (this.#running === 0) this.#drained?.();
    }
  }

  async exclusive<T>(operation: () => Promise<T>): Promise<T> {
    if (this.#pending++ === 0) this.#barrier = new Promise((resolve) => (this.#openBarrier = resolve));
    const turn = this.#queue;
    let release!: () => void;
    this.#queue = new Promise((resolve) => (release = resolve));
    try {
      await turn;
      if (this.#running > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      this.#drained = null;
      return await operation();
    } finally {
      release();
      if (--this.#pending === 0) {
        this.#barrier = null;
        this.#openBarrier();
      }
    }
  }
}
