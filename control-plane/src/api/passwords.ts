import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ApiError } from '../errors.ts';

/**
 * Account passwords, hashed with scrypt (node:crypto, no native dependency) as
 * `scrypt$<N>$<r>$<p>$<salt, base64url>$<hash, base64url>`: N = 2^15, r = 8, p = 1, a 16-byte
 * random salt, a 32-byte hash. That costs 32 MiB and about 0.1 s per hash on one core (OWASP's
 * minimum for scrypt is N = 2^17 with r = 8 at p = 1 or an equivalent 2^15 with p = 4; we
 * keep p = 1 and rely on the per-address sign-in limit, since every guess also costs the
 * server). The parameters travel with each hash, so raising them later keeps old hashes
 * valid. Hashing runs on libuv's thread pool, never on the event loop.
 */
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
/** Hashes needing more memory are refused rather than computed: a tampered row must not stall the server. */
const MAX_MEM = 128 * 1024 * 1024;
/** scrypt needs about 128 * N * r bytes; Node refuses anything over maxmem (default 32 MiB, exactly ours). */
const memoryOf = (n: number, r: number) => 128 * n * r;

export const PASSWORD_MIN_LENGTH = 10;
/** scrypt hashes any length, but a megabyte "password" would only be a way to waste CPU. */
const PASSWORD_MAX_LENGTH = 1024;

function derive(password: string, salt: Buffer, keyLength: number, o: Required<Pick<ScryptOptions, 'N' | 'r' | 'p'>>): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { ...o, maxmem: 2 * memoryOf(o.N, o.r) }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Throws invalid_body when a new password is too short or too long. */
export function checkNewPassword(password: unknown): string {
  if (typeof password !== 'string' || [...password].length < PASSWORD_MIN_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
    throw new ApiError('invalid_body', `password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
  }
  return password;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, KEY_LENGTH, { N, r: R, p: P });
  return ['scrypt', N, R, P, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Constant-time comparison; false for any malformed hash or absurd parameters. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (password.length > PASSWORD_MAX_LENGTH) return false;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  const sane = Number.isInteger(Math.log2(n)) && n > 1 && Number.isInteger(r) && r >= 1 && memoryOf(n, r) <= MAX_MEM
    && Number.isInteger(p) && p >= 1 && p <= 16 && salt.length >= 8 && expected.length >= 16;
  if (!sane) return false;
  const actual = await derive(password, salt, expected.length, { N: n, r, p });
  return timingSafeEqual(actual, expected);
}

/**
 * A hash to check unknown emails against, so a sign-in takes as long whether or not the
 * account exists (the answer must not tell which emails have accounts). The sign-in routes
 * start it when they are registered and the server is not ready before it is done: computed
 * on first use instead, it made the first failed sign-in of an unknown email cost two scrypt
 * runs, which told an attacker that email had no account.
 */
export function startDecoyHash(): Promise<string> {
  return hashPassword(randomBytes(16).toString('hex'));
}
