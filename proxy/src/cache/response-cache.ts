import { setTimeout as sleep } from 'node:timers/promises';
import type { CacheBackend } from './backend.ts';
import { planReplay, type ReplayRequest } from './replay/replay-plan.ts';
import { SingleFlight, waitForFlight, type FlightOutcome } from './single-flight.ts';
import { decodeStoredResponse, encodeStoredResponse, type StoredBody, type StoredResponse } from './stored-response.ts';

/** How often a call waiting on another process's identical call looks for its result. */
const CROSS_PROCESS_POLL_MS = 25;

export interface CacheRequest {
  key: string;
  /** `Cache-Control: no-cache`: skip the lookup, store the fresh response. */
  refresh: boolean;
  /** Periscope-Cache-Bucket-Max-Size: variants stored before the key starts serving. */
  bucketSize: number;
  ttlMs: number;
  replay: ReplayRequest;
}

export type CacheLookup =
  | { status: 'hit'; source: StoredResponse; body: StoredBody }
  | {
      status: 'miss';
      /**
       * Call exactly once when the upstream call is over: with the response to store when it
       * succeeded, undefined otherwise. Releases the calls waiting on this one.
       */
      complete(response: StoredResponse | undefined): Promise<void>;
    };

export type CacheOperation = 'get' | 'add' | 'lock';

export interface ResponseCacheOptions {
  backend: CacheBackend;
  /** Longest a call waits for an identical call in flight before going upstream itself. */
  singleFlightWaitMs: number;
  /** A backend failure; the call carries on as a miss (the caller counts and logs it). */
  onBackendError(err: unknown, operation: CacheOperation): void;
  random?: () => number;
}

/**
 * Lookup and store over a backend, with single-flight: concurrent identical calls (same key,
 * buckets of one) make one upstream call; the others wait up to `singleFlightWaitMs` and are
 * served its response as hits. When that call fails the waiters go upstream themselves, at
 * once and each on its own (errors are not cached, and an identical call that failed would
 * most likely fail the same way, so queueing them behind a new leader only adds latency).
 * With a shared backend (Redis) a lock key extends this across processes: the process that
 * holds it calls upstream, the others poll for its stored response.
 */
export class ResponseCache {
  readonly #backend: CacheBackend;
  readonly #waitMs: number;
  readonly #onError: ResponseCacheOptions['onBackendError'];
  readonly #random: () => number;
  readonly #flights = new SingleFlight();

  constructor(options: ResponseCacheOptions) {
    this.#backend = options.backend;
    this.#waitMs = options.singleFlightWaitMs;
    this.#onError = options.onBackendError;
    this.#random = options.random ?? Math.random;
  }

  /** Calls currently leading a flight in this process. */
  get inFlight(): number {
    return this.#flights.size;
  }

  async lookup(req: CacheRequest): Promise<CacheLookup> {
    if (!req.refresh) {
      const hit = await this.#find(req);
      if (hit) return hit;
    }
    // A refresh wants its own answer; a bucket of several wants several answers.
    if (req.refresh || req.bucketSize > 1) return this.#miss(req);
    const joined = this.#flights.join(req.key);
    if ('wait' in joined) {
      if ((await waitForFlight(joined.wait, this.#waitMs)) === 'stored') {
        const hit = await this.#find(req);
        if (hit) return hit;
      }
      return this.#miss(req);
    }
    const elsewhere = await this.#leadAcrossProcesses(req);
    if (elsewhere.hit) {
      joined.lead('stored');
      return elsewhere.hit;
    }
    return this.#miss(req, joined.lead, elsewhere.token);
  }

  /** A hit once the bucket is full: a random stored variant that can answer this request. */
  async #find(req: CacheRequest): Promise<CacheLookup | undefined> {
    let variants: Buffer[];
    try {
      variants = await this.#backend.get(req.key);
    } catch (err) {
      this.#onError(err, 'get');
      return undefined;
    }
    if (variants.length === 0 || variants.length < req.bucketSize) return undefined;
    const start = Math.floor(this.#random() * variants.length);
    for (let i = 0; i < variants.length; i++) {
      const source = decodeStoredResponse(variants[(start + i) % variants.length]!);
      const body = source && planReplay(source.body, req.replay);
      if (source && body) return { status: 'hit', source, body };
    }
    return undefined;
  }

  /**
   * With a shared backend: take the key's lock, or, while another process holds it, wait for
   * its stored response (polling) until it appears, the lock frees up, or the wait is over.
   */
  async #leadAcrossProcesses(req: CacheRequest): Promise<{ hit?: CacheLookup; token?: string }> {
    const locks = this.#backend.locks;
    if (!locks) return {};
    const deadline = performance.now() + this.#waitMs;
    for (;;) {
      let token: string | undefined;
      try {
        token = await locks.acquire(req.key, this.#waitMs);
      } catch (err) {
        this.#onError(err, 'lock');
        return {};
      }
      if (token) {
        // The holder before us may have stored its response between our lookup and now.
        const hit = await this.#find(req);
        if (!hit) return { token };
        await this.#release(req.key, token);
        return { hit };
      }
      if (performance.now() >= deadline) return {};
      await sleep(CROSS_PROCESS_POLL_MS);
      const hit = await this.#find(req);
      if (hit) return { hit };
    }
  }

  #miss(req: CacheRequest, lead?: (outcome: FlightOutcome) => void, token?: string): CacheLookup {
    let completed = false;
    return {
      status: 'miss',
      complete: async (response) => {
        if (completed) return;
        completed = true;
        let outcome: FlightOutcome = 'failed';
        if (response) {
          try {
            await this.#backend.add(req.key, encodeStoredResponse(response), req.ttlMs, req.bucketSize);
            outcome = 'stored';
          } catch (err) {
            this.#onError(err, 'add');
          }
        }
        if (token) await this.#release(req.key, token);
        lead?.(outcome);
      },
    };
  }

  async #release(key: string, token: string): Promise<void> {
    try {
      await this.#backend.locks?.release(key, token);
    } catch (err) {
      this.#onError(err, 'lock'); // the lock expires by itself
    }
  }
}
