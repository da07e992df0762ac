/** Distinct addresses tracked; past this the table starts over (an attacker rotating addresses gains nothing from it). */
const MAX_TRACKED = 100_000;

/**
 * Slows down key guessing: an address that sent too many missing or invalid gateway keys in
 * the current minute gets 429 for the rest of it, before its key is even looked at.
 */
export class AuthFailureGuard {
  readonly #failures = new Map<string, number>();
  readonly #now: () => number;
  readonly #limit: number;
  #minute = 0;

  constructor(limit: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#now = now;
  }

  #roll(): void {
    const minute = Math.floor(this.#now() / 60_000);
    if (minute !== this.#minute) {
      this.#minute = minute;
      this.#failures.clear();
    }
  }

  /** Seconds until the address may try again, or 0 when it may now. */
  blockedFor(address: string): number {
    this.#roll();
    if ((this.#failures.get(address) ?? 0) < this.#limit) return 0;
    return Math.max(1, Math.ceil(((this.#minute + 1) * 60_000 - this.#now()) / 1000));
  }

  failed(address: string): void {
    this.#roll();
    if (this.#failures.size >= MAX_TRACKED && !this.#failures.has(address)) this.#failures.clear();
    this.#failures.set(address, (this.#failures.get(address) ?? 0) + 1);
  }
}
