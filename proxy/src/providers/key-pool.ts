import type { ProviderConfig, ProviderKeyConfig } from '@periscope/contract';
import { GatewayError } from '../errors.ts';

const MINUTE_MS = 60_000;

interface KeyState {
  config: ProviderKeyConfig;
  /** Start of the current minute window (epoch ms) and what it has used. */
  windowStart: number;
  requests: number;
  tokens: number;
  inflight: number;
}

/** A key lent to one attempt; `release` once its response is over, with the tokens it used. */
export interface KeyLease {
  readonly key: string;
  release(tokens: number): void;
}

interface Waiter {
  resolve: (lease: KeyLease) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The upstream keys of one provider. Each attempt takes the key with room under its caps,
 * chosen by weight; when every key is at its concurrency cap the call waits in a FIFO queue
 * (bounded by max_queue_ms) instead of sending a burst the provider would answer with 429s.
 * Counters are per process: they shape this gateway's traffic to the provider.
 */
export class ProviderKeyPool {
  readonly #keys: KeyState[];
  readonly #queue: Waiter[] = [];
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(keys: ProviderKeyConfig[], now: () => number = Date.now, random: () => number = Math.random) {
    this.#now = now;
    this.#random = random;
    this.#keys = keys.map((config) => ({ config, windowStart: 0, requests: 0, tokens: 0, inflight: 0 }));
  }

  #roll(k: KeyState): void {
    const window = Math.floor(this.#now() / MINUTE_MS) * MINUTE_MS;
    if (k.windowStart !== window) {
      k.windowStart = window;
      k.requests = 0;
      k.tokens = 0;
    }
  }

  #underRate(k: KeyState): boolean {
    this.#roll(k);
    return (k.config.rpm === undefined || k.requests < k.config.rpm) && (k.config.tpm === undefined || k.tokens < k.config.tpm);
  }

  #hasSlot(k: KeyState): boolean {
    return k.config.max_concurrency === undefined || k.inflight < k.config.max_concurrency;
  }

  #choose(candidates: KeyState[]): KeyState {
    const total = candidates.reduce((s, k) => s + k.config.weight, 0);
    let r = this.#random() * total;
    for (const k of candidates) {
      r -= k.config.weight;
      if (r < 0) return k;
    }
    return candidates[candidates.length - 1]!;
  }

  #lend(k: KeyState): KeyLease {
    k.requests += 1;
    k.inflight += 1;
    let released = false;
    return {
      key: k.config.key,
      release: (tokens: number) => {
        if (released) return;
        released = true;
        k.inflight -= 1;
        this.#roll(k);
        k.tokens += tokens;
        this.#wakeNext();
      },
    };
  }

  #wakeNext(): void {
    while (this.#queue.length > 0) {
      const ready = this.#keys.filter((k) => this.#underRate(k) && this.#hasSlot(k));
      if (ready.length === 0) return;
      const waiter = this.#queue.shift()!;
      clearTimeout(waiter.timer);
      waiter.resolve(this.#lend(this.#choose(ready)));
    }
  }

  /** A key for one attempt, waiting for a free slot if needed; 429 (`upstream_key_busy`) when none comes in time. */
  acquire(signal?: AbortSignal): Promise<KeyLease> {
    const underRate = this.#keys.filter((k) => this.#underRate(k));
    if (underRate.length === 0) {
      const resetIn = MINUTE_MS - (this.#now() % MINUTE_MS);
      return Promise.reject(new GatewayError('upstream_key_busy', `Every configured key of this provider is at its per-minute cap; next window in ${Math.ceil(resetIn / 1000)} s.`));
    }
    const ready = underRate.filter((k) => this.#hasSlot(k));
    if (ready.length > 0 && this.#queue.length === 0) return Promise.resolve(this.#lend(this.#choose(ready)));
    const maxWait = Math.max(...underRate.map((k) => k.config.max_queue_ms));
    return new Promise<KeyLease>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#queue.splice(this.#queue.indexOf(waiter), 1);
          reject(new GatewayError('upstream_key_busy', `Every configured key of this provider is busy (max_concurrency); waited ${maxWait} ms.`));
        }, maxWait),
      };
      signal?.addEventListener('abort', () => {
        const i = this.#queue.indexOf(waiter);
        if (i < 0) return;
        this.#queue.splice(i, 1);
        clearTimeout(waiter.timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      }, { once: true });
      this.#queue.push(waiter);
    });
  }
}

/**
 * One pool per provider that has `keys:`, kept across config reloads while the provider's
 * keys are unchanged, so a reload neither resets the minute counters nor strands waiters.
 */
export class KeyPools {
  readonly #pools = new Map<string, { signature: string; pool: ProviderKeyPool }>();

  poolFor(providerName: string, provider: ProviderConfig): ProviderKeyPool | undefined {
    if (!provider.keys) return undefined;
    const signature = JSON.stringify(provider.keys);
    const existing = this.#pools.get(providerName);
    if (existing?.signature === signature) return existing.pool;
    const pool = new ProviderKeyPool(provider.keys);
    this.#pools.set(providerName, { signature, pool });
    return pool;
  }
}
