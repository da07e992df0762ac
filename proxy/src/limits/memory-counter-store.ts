import type { AdmitEntry, AdmitResult, CounterAdd, CounterStore } from './counter-store.ts';

interface Counter {
  value: number;
  expiresAt: number;
}

/** Sweep expired counters every this many writes, so abandoned windows do not pile up. */
const SWEEP_EVERY = 10_000;

/** Counters for a single process: synchronous underneath, so every admit is atomic. */
export class MemoryCounterStore implements CounterStore {
  readonly kind = 'memory';
  readonly #counters = new Map<string, Counter>();
  readonly #leases = new Map<string, Map<string, number>>();
  readonly #now: () => number;
  #writes = 0;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  #value(key: string): number {
    const c = this.#counters.get(key);
    if (!c) return 0;
    if (c.expiresAt <= this.#now()) {
      this.#counters.delete(key);
      return 0;
    }
    return c.value;
  }

  #liveLeases(key: string): Map<string, number> {
    let leases = this.#leases.get(key);
    if (!leases) this.#leases.set(key, (leases = new Map()));
    const now = this.#now();
    for (const [member, until] of leases) if (until <= now) leases.delete(member);
    return leases;
  }

  #addTo(key: string, amount: number, ttlMs: number): number {
    this.#sweep();
    const value = this.#value(key) + amount;
    const existing = this.#counters.get(key);
    this.#counters.set(key, { value, expiresAt: existing?.expiresAt ?? this.#now() + ttlMs });
    return value;
  }

  #sweep(): void {
    if (++this.#writes % SWEEP_EVERY !== 0) return;
    const now = this.#now();
    for (const [key, c] of this.#counters) if (c.expiresAt <= now) this.#counters.delete(key);
    for (const [key, leases] of this.#leases) if (leases.size === 0) this.#leases.delete(key);
  }

  async admit(entries: AdmitEntry[]): Promise<AdmitResult> {
    for (const [index, e] of entries.entries()) {
      const value = e.kind === 'counter' ? this.#value(e.key) : this.#liveLeases(e.key).size;
      const need = e.kind === 'counter' ? e.need : 1;
      if (value + need > e.limit) return { ok: false, index, value };
    }
    const values = entries.map((e) => {
      if (e.kind === 'counter') return e.add === 0 ? this.#value(e.key) : this.#addTo(e.key, e.add, e.ttlMs);
      const leases = this.#liveLeases(e.key);
      leases.set(e.member, this.#now() + e.leaseMs);
      return leases.size;
    });
    return { ok: true, values };
  }

  async add(adds: CounterAdd[]): Promise<number[]> {
    return adds.map((a) => this.#addTo(a.key, a.amount, a.ttlMs));
  }

  async release(key: string, member: string): Promise<void> {
    this.#leases.get(key)?.delete(member);
  }

  async close(): Promise<void> {}
}
