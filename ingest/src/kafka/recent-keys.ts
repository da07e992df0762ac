/**
 * A set of keys that forgets each one `ttlMs` after it was added, and its oldest ones beyond
 * `max`: a bounded memory of what was seen lately.
 */
export class RecentKeys {
  /** Key → when it was added; a Map iterates in insertion order, so the oldest come first. */
  private readonly added = new Map<string, number>();

  constructor(private readonly ttlMs: number, private readonly max: number, private readonly now: () => number = Date.now) {}

  get size(): number {
    this.expire();
    return this.added.size;
  }

  has(key: string): boolean {
    const at = this.added.get(key);
    return at !== undefined && at > this.now() - this.ttlMs;
  }

  add(key: string): void {
    this.added.delete(key); // added again: it moves to the end, with its new time
    this.added.set(key, this.now());
    this.expire();
  }

  private expire(): void {
    const before = this.now() - this.ttlMs;
    for (const [key, at] of this.added) {
      if (at > before && this.added.size <= this.max) break;
      this.added.delete(key);
    }
  }
}
