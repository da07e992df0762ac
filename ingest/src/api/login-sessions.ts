import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'periscope_session';
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;
/** Sessions beyond this are dropped oldest first: each takes a token to create, so this only bounds memory. */
const MAX_SESSIONS = 10_000;

const hash = (id: string) => createHash('sha256').update(id).digest('hex');

/**
 * UI sign-ins, kept in this process: a random opaque id goes to the browser in an HttpOnly
 * cookie, and only its SHA-256 is held here, so a heap dump holds no usable cookie. Sessions
 * end at logout, after SESSION_MAX_AGE_S, or when the process restarts (sign in again).
 */
export class LoginSessions {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session; the returned id is the cookie value and is not kept. */
  create(): string {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    this.expiries.set(hash(id), this.now() + SESSION_MAX_AGE_S * 1000);
    while (this.expiries.size > MAX_SESSIONS) this.expiries.delete(this.expiries.keys().next().value!);
    return id;
  }

  isValid(id: string | undefined): boolean {
    if (!id) return false;
    const key = hash(id);
    const expires = this.expiries.get(key);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.expiries.delete(key);
      return false;
    }
    return true;
  }

  delete(id: string | undefined): void {
    if (id) this.expiries.delete(hash(id));
  }

  get size(): number {
    return this.expiries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, expires] of this.expiries) if (expires <= now) this.expiries.delete(key);
  }
}
