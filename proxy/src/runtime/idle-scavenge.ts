import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

type Collect = (options: { type: 'minor' }) => void;

/**
 * V8's `gc`, taken from a context made while `--expose-gc` is set for that moment (V8 installs
 * it in contexts created with the flag on). The flag is set back at once, so that no later
 * context (the user's, a worker's) sees a `gc` it did not ask for.
 */
function exposedGc(): Collect | undefined {
  if (typeof (globalThis as { gc?: unknown }).gc === 'function') return (globalThis as unknown as { gc: Collect }).gc;
  setFlagsFromString('--expose-gc');
  try {
    const gc: unknown = runInNewContext('typeof gc === "function" ? gc : undefined');
    return typeof gc === 'function' ? (gc as Collect) : undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

/**
 * Scavenges the young generation when the gateway has no call in flight and the young space is
 * mostly full, rather than letting V8 scavenge at the allocation that fills it, which is in the
 * middle of a call. On one core a scavenge is a pause of the event loop (about 0.8 ms at 500
 * calls/s: docs/benchmarks.md, "Scavenging between calls"), and a call that is in flight when it
 * comes waits for all of it; between calls it delays only a call that arrives during it. It also
 * copies less: what a call in flight holds is live to the scavenger, and what it copies twice goes
 * to the old space. Idle moments are checked at most once per `intervalMs` (reading the young
 * space's fill costs about 1.5 µs), and the young space is never shrunk or grown here: V8 sizes it
 * as before.
 */
export class IdleScavenge {
  #inFlight = 0;
  #lastCheck = -Infinity;

  /** Undefined when this V8 gives no `gc` or no young-space statistics. */
  static create(fill = 0.75, intervalMs = 5): IdleScavenge | undefined {
    const newSpace = getHeapSpaceStatistics().findIndex((s) => s.space_name === 'new_space');
    const collect = newSpace === -1 ? undefined : exposedGc();
    return collect ? new IdleScavenge(() => youngFill(newSpace), () => collect({ type: 'minor' }), fill, intervalMs) : undefined;
  }

  /** `youngFill` gives the young space's share in use (0-1); `now` is for tests. */
  constructor(
    private readonly youngFill: () => number,
    private readonly scavenge: () => void,
    private readonly fill: number,
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A call began. */
  readonly started = (): void => {
    this.#inFlight++;
  };

  /** A call ended (its answer sent, or its client gone). */
  readonly ended = (): void => {
    if (this.#inFlight > 0) this.#inFlight--;
    if (this.#inFlight > 0) return;
    const now = this.now();
    if (now - this.#lastCheck < this.intervalMs) return;
    this.#lastCheck = now;
    if (this.youngFill() >= this.fill) this.scavenge();
  };
}

/** The young space's share in use: a scavenge comes when an allocation finds no room left. */
function youngFill(newSpace: number): number {
  const young = getHeapSpaceStatistics()[newSpace];
  if (!young) return 0;
  const room = young.space_used_size + young.space_available_size;
  return room > 0 ? young.space_used_size / room : 0;
}
