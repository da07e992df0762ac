import { createHash, randomBytes } from 'node:crypto';

export const SESSION_COOKIE = 'periscope_session';
export const SESSION_MAX_AGE_S = 7 * 24 * 3600;
/**
 * Sessions beyond this are dropped oldest first: each takes a valid credential to create,
 * so this only bounds memory.
 */
const MAX_SESSIONS = 10_000;

/** Who signed in: with the admin token, or as an account (whose role is read on every request). */
export type SessionSubject = { kind: 'admin_token' } | { kind: 'account'; account_id: string };

interface Entry {
  subject: SessionSubject;
  expires: number;
}

const hash = (id: string) => createHash('sha256').update(id).digest('hex');

/**
 * UI sign-ins, kept in this process: a random opaque id goes to the browser in an HttpOnly
 * cookie, and only its SHA-256 is held here, so a heap dump holds no usable cookie. Sessions
 * end at logout, after SESSION_MAX_AGE_S, when their account is deleted or its password
 * changes, or when the process restarts (sign in again).
 */
export class LoginSessions {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /** A new session; the returned id is the cookie value and is not kept. */
  create(subject: SessionSubject): string {
    this.sweep();
    const id = randomBytes(32).toString('base64url');
    this.entries.set(hash(id), { subject, expires: this.now() + SESSION_MAX_AGE_S * 1000 });
    while (this.entries.size > MAX_SESSIONS) this.entries.delete(this.entries.keys().next().value!);
    return id;
  }

  /** The session's subject, or undefined for an unknown or expired id. */
  get(id: string | undefined): SessionSubject | undefined {
    if (!id) return undefined;
    const key = hash(id);
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expires <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.subject;
  }

  delete(id: string | undefined): void {
    if (id) this.entries.delete(hash(id));
  }

  /** Ends every session of an account (deleted, or its password changed). */
  deleteAccount(accountId: string): void {
    for (const [key, entry] of this.entries) {
      if (entry.subject.kind === 'account' && entry.subject.account_id === accountId) this.entries.delete(key);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expires <= now) this.entries.delete(key);
  }
}
