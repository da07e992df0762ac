/**
 * A set that remembers each key for at least `minMs` after it was added (and forgets it within
 * twice that), holding at most `max` keys: two generations, the current one and the one before,
 * turned over every `minMs` or when the current one holds half of `max`. Constant work per call,
 * whatever the churn (expiring a Map entry by entry walks V8's deleted slots again on each call).
 * Under a churn of more than `max / 2` keys per `minMs`, keys are kept for less.
 */
export class RecentKeys {
  private current = new Set<string>();
  private previous = new Set<string>();
  private since: number;

  constructor(private readonly minMs: number, private readonly max: number, private readonly now: () => number = Date.now) {
    this.since = now();
  }

  /** Whether any key is remembered. */
  get empty(): boolean {
    this.age();
    return this.current.size === 0 && this.previous.size === 0;
  }

  has(key: string): boolean {
    this.age();
    return this.current.has(key) || this.previous.has(key);
  }

  add(key: string): void {
    this.age();
    this.current.add(key);
    if (this.current.size >= this.max / 2) this.turn();
  }

  /** Generations turn at fixed times from `since`, whenever the next call comes. */
  private age(): void {
    const age = this.now() - this.since;
    if (age >= 2 * this.minMs) {
      this.previous = new Set();
      this.current = new Set();
      this.since = this.now();
    } else if (age >= this.minMs) {
      this.previous = this.current;
      this.current = new Set();
      this.since += this.minMs;
    }
  }

  private turn(): void {
    this.previous = this.current;
    this.current = new Set();
    this.since = this.now();
  }
}
