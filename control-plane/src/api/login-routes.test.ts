import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import type { Store } from '@periscope/clickhouse';
import { loginRoutes } from './login-routes.ts';
import { LoginSessions } from './login-sessions.ts';
import { hashPassword } from './passwords.ts';

const KNOWN = 'known@example.com';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The sign-in routes alone, on a store that knows one account: a fresh server, as after a start. */
async function freshServer(passwordHash: string) {
  const app = Fastify({ logger: false });
  await app.register(fastifyCookie);
  const store = {
    findAccountByEmail: async (email: string) => (email === KNOWN ? { account_id: 'a1', email, password_hash: passwordHash } : null),
  } as unknown as Store;
  await app.register(loginRoutes, { admin: { check: () => false, generatedToken: undefined }, sessions: new LoginSessions(), store });
  await app.ready();
  return app;
}

async function timedFailedSignIn(email: string, passwordHash: string): Promise<number> {
  const app = await freshServer(passwordHash);
  try {
    const t0 = performance.now();
    const res = await app.inject({ method: 'POST', url: '/api/session', payload: { email, password: 'not the password' } });
    const ms = performance.now() - t0;
    expect(res.statusCode).toBe(401);
    return ms;
  } finally {
    await app.close();
  }
}

describe('sign-in timing', () => {
  // Compared as medians over fresh servers, not against a fixed number of milliseconds: with
  // the decoy computed on first use, the first unknown email cost two scrypt runs (about
  // twice a known email's one); computed at start, both cost one.
  it('the first failed sign-in of an unknown email takes as long as a known one\'s: the decoy is ready at start', async () => {
    const passwordHash = await hashPassword('the real password');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let round = 0; round < 7; round++) {
      // Alternate the order, so a machine that slows down during the test favours neither.
      if (round % 2 === 0) {
        known.push(await timedFailedSignIn(KNOWN, passwordHash));
        unknown.push(await timedFailedSignIn(`nobody-${round}@example.com`, passwordHash));
      } else {
        unknown.push(await timedFailedSignIn(`nobody-${round}@example.com`, passwordHash));
        known.push(await timedFailedSignIn(KNOWN, passwordHash));
      }
    }
    console.log(`first failed sign-in on a fresh server, median of 7: known email ${median(known).toFixed(0)} ms, unknown email ${median(unknown).toFixed(0)} ms`);
    expect(median(unknown) / median(known)).toBeLessThan(1.5);
    expect(median(known) / median(unknown)).toBeLessThan(1.5);
  }, 60_000);
});
