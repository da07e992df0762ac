import type { CacheBackend } from './backend.ts';

interface Variant {
  value: Buffer;
  expiresAt: number;
}

interface Entry {
  variants: Variant[];
  bytes: number;
}

/**
 * What one entry is charged beyond its payload: the Map slot, the entry and variant objects
 * and the Buffer headers. An estimate, but a fixed one, so the accounted total is a true
 * upper bound on the payload bytes held and never exceeds `maxBytes`.
 */
export const ENTRY_OVERHEAD_BYTES = 160;
export const VARIANT_OVERHEAD_BYTES = 96;

function sizeOf(key: string, variants: readonly Variant[]): number {
  let bytes = ENTRY_OVERHEAD_BYTES + key.length * 2;
  for (const v of variants) bytes += VARIANT_OVERHEAD_BYTES + v.value.length;
  return bytes;
}

/**
 * An LRU bounded in bytes, for one process. A Map keeps insertion order, so re-inserting a
 * key on every read makes the first key the least recently used one. Expired variants are
 * dropped when their key is read; until then they only take room the LRU reclaims first.
 */
export class MemoryCacheBackend implements CacheBackend {
  readonly kind = 'memory';
  readonly maxBytes: number;
  readonly #entries = new Map<string, Entry>();
  #bytes = 0;
  readonly #now: () => number;

  constructor(maxBytes: number, now: () => number = Date.now) {
    this.maxBytes = maxBytes;
    this.#now = now;
  }

  /** Bytes currently accounted; never above maxBytes. */
  get bytes(): number {
    return this.#bytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  async get(key: string): Promise<Buffer[]> {
    const entry = this.#entries.get(key);
    if (!entry) return [];
    const now = this.#now();
    const live = entry.variants.filter((v) => v.expiresAt > now);
    this.#remove(key, entry);
    if (live.length === 0) return [];
    this.#insert(key, live);
    return live.map((v) => v.value);
  }

  async add(key: string, value: Buffer, ttlMs: number, maxVariants: number): Promise<void> {
    const now = this.#now();
    const old = this.#entries.get(key);
    const kept = (old?.variants ?? []).filter((v) => v.expiresAt > now);
    const variants = [...kept, { value, expiresAt: now + ttlMs }].slice(-Math.max(1, maxVariants));
    // An entry that cannot fit even alone is not stored, and the old one stays.
    if (sizeOf(key, variants) > this.maxBytes) return;
    if (old) this.#remove(key, old);
    this.#insert(key, variants);
  }

  #insert(key: string, variants: Variant[]): void {
    const bytes = sizeOf(key, variants);
    for (const [oldest, entry] of this.#entries) {
      if (this.#bytes + bytes <= this.maxBytes) break;
      this.#remove(oldest, entry);
    }
    this.#entries.set(key, { variants, bytes });
    this.#bytes += bytes;
  }

  #remove(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#bytes -= entry.bytes;
  }
}
