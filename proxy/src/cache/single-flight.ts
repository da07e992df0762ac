export type FlightOutcome = 'stored' | 'failed';

interface Flight {
  done: Promise<FlightOutcome>;
  finish(outcome: FlightOutcome): void;
}

/**
 * The calls in flight per cache key in this process. The first caller of a key leads (goes
 * upstream); the others wait for it to finish, up to a bound, and then look the key up again.
 */
export class SingleFlight {
  readonly #flights = new Map<string, Flight>();

  /** In-flight calls, for tests and metrics. */
  get size(): number {
    return this.#flights.size;
  }

  /** A finish function when the caller leads, or the leader's outcome promise to wait on. */
  join(key: string): { lead: (outcome: FlightOutcome) => void } | { wait: Promise<FlightOutcome> } {
    const current = this.#flights.get(key);
    if (current) return { wait: current.done };
    let finish!: (outcome: FlightOutcome) => void;
    const done = new Promise<FlightOutcome>((resolve) => (finish = resolve));
    const flight: Flight = { done, finish };
    this.#flights.set(key, flight);
    return {
      lead: (outcome) => {
        if (this.#flights.get(key) === flight) this.#flights.delete(key);
        flight.finish(outcome);
      },
    };
  }
}

/** The flight's outcome, or 'timeout' once `ms` passed. */
export async function waitForFlight(done: Promise<FlightOutcome>, ms: number): Promise<FlightOutcome | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(resolve, ms, 'timeout')));
  try {
    return await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
