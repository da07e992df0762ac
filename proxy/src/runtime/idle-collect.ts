import { getHeapSpaceStatistics, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** How often the server's request count is read. */
const CHECK_MS = 1_000;

/** Checks in a row without a request before the heap is touched: a pause between calls is not idle. */
const IDLE_CHECKS = 2;

/**
 * The young space counts as given back at this size. V8 keeps it at 32 MB once a burst has grown
 * it (16 MB semi-spaces), and shrank it to 1-4 MB.
 */
const YOUNG_SHRUNK_BYTES = 8 * 1024 * 1024;

/**
 * V8 shrinks the young space in a scavenge, and only once it has measured a low allocation rate
 * for some seconds: a scavenge a second from the end of a burst shrank it at the fifth or sixth
 * (4 runs), while a single scavenge 7-9 s after it sometimes did not. Bounded, in case it never
 * does.
 */
const MAX_SCAVENGES = 10;

/** A major collection costs tens of ms of CPU: only worth it for at least this much heap to give back. */
const MIN_GROWTH_BYTES = 8 * 1024 * 1024;

/** What the collector reads of the heap and asks of it (tests give a fake). */
export interface Heap {
  /** The whole heap's committed size. */
  committedBytes(): number;
  /** The young space's committed size. */
  youngBytes(): number;
  /** A scavenge of the young space, on this thread (under a ms on an idle heap, up to 4 measured). */
  scavenge(): void;
  /** Starts an incremental major collection. */
  collect(): void;
}

/** What one check did. */
export type IdleStep = 'busy' | 'waiting' | 'scavenged' | 'collected';

/**
 * Gives the heap's garbage back once a server has gone a while without a request. V8 sizes its
 * young space for the rate it last saw and collects the old space only when that fills, so a
 * gateway left idle after a burst keeps what the burst grew: `periscope start`'s gateway held
 * 139-155 MB after the bench's 5 s warm-up and unchanged 30 s later, and about 106 MB once its
 * young space had shrunk and its old space been collected (docs/benchmarks.md, "Memory after a
 * burst"). V8's own memory reducer starts only after a major collection, which a gateway's
 * short-lived garbage rarely brings about.
 *
 * From the second check without a request, a scavenge at each check until the young space has
 * shrunk, then one incremental major collection (`execution: 'async'`: a request that arrives
 * during it waits for a marking step, where a synchronous one held the thread 23-34 ms). Once per
 * idle stretch, and only when the heap has grown by `minGrowthBytes` since the last one, so a
 * trickle of calls, each followed by a pause, does not cost a collection each.
 */
export class IdleCollector {
  #requests = 0;
  #seen = 0;
  #idleChecks = 0;
  // The process's start-up leaves garbage and a full-size young space too.
  #owed = true;
  #floor = 0;
  #readFloor = false;
  #scavenges = 0;
  #timer: NodeJS.Timeout | undefined;
  readonly #heap: Heap;
  readonly #minGrowthBytes: number;

  constructor(heap: Heap = v8Heap, minGrowthBytes = MIN_GROWTH_BYTES) {
    this.#heap = heap;
    this.#minGrowthBytes = minGrowthBytes;
  }

  /** A request arrived. */
  readonly touch = (): void => {
    this.#requests++;
  };

  /** Checks every `checkMs`, on a timer that does not keep the process alive. */
  start(checkMs = CHECK_MS): void {
    this.#timer ??= setInterval(() => this.check(), checkMs).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** One check (the timer's; tests call it directly). */
  check(): IdleStep {
    if (this.#requests !== this.#seen) {
      this.#seen = this.#requests;
      this.#owed = true;
      this.#idleChecks = 0;
      this.#scavenges = 0;
      // A floor read under load would be what the load grew, and would hide the next burst's growth.
      this.#readFloor = false;
      return 'busy';
    }
    if (++this.#idleChecks < IDLE_CHECKS) return 'waiting';
    if (this.#readFloor) {
      // A check after the collection began: an idle heap's incremental marking takes tens of ms.
      this.#floor = this.#heap.committedBytes();
      this.#readFloor = false;
      return 'waiting';
    }
    if (!this.#owed || this.#heap.committedBytes() < this.#floor + this.#minGrowthBytes) return 'waiting';
    if (this.#heap.youngBytes() > YOUNG_SHRUNK_BYTES && this.#scavenges < MAX_SCAVENGES) {
      this.#scavenges++;
      this.#heap.scavenge();
      if (this.#heap.youngBytes() > YOUNG_SHRUNK_BYTES) return 'scavenged';
    }
    this.#heap.collect();
    this.#owed = false;
    this.#scavenges = 0;
    this.#readFloor = true;
    return 'collected';
  }
}

type GcOptions = { type: 'minor' } | { type: 'major'; execution: 'async' };
let exposedGc: ((options: GcOptions) => void) | undefined;

/**
 * V8's `gc`. Node exposes it only to contexts made while `--expose-gc` is set; setting it for one
 * new context gets the function without asking operators for a flag, and unsetting it keeps it
 * from other contexts.
 */
function gc(options: GcOptions): void {
  if (!exposedGc) {
    setFlagsFromString('--expose-gc');
    try {
      exposedGc = runInNewContext('gc') as typeof exposedGc;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  exposedGc!(options);
}

/** This process's heap. */
export const v8Heap: Heap = {
  committedBytes: () => getHeapStatistics().total_heap_size,
  youngBytes: () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0,
  scavenge: () => gc({ type: 'minor' }),
  collect: () => gc({ type: 'major', execution: 'async' }),
};
