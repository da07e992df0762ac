import { describe, expect, it } from 'vitest';
import { startGatewayHarness } from '../testing/gateway-harness.ts';

describe('failed-authentication guard', () => {
  it('answers 429 to an address after 30 failed authentications in a minute, even with a good key', async () => {
    // Its own process and harness: the guard counts per address, and every test comes from 127.0.0.1.
    const own = await startGatewayHarness();
    try {
      const { key } = await own.newProject();
      const send = (auth: string) => fetch(`${own.url}/v1/chat/completions`, {
        method: 'POST', headers: { 'periscope-auth': auth, 'content-type': 'application/json' },
        body: '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"x"}]}',
      });
      if (60_000 - (Date.now() % 60_000) < 5_000) await new Promise((r) => setTimeout(r, 5_000));
      for (let i = 0; i < 30; i++) expect((await send('Bearer psk_live_guess' + i)).status).toBe(401);
      const blocked = await send(`Bearer ${key}`);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(await blocked.json()).toMatchObject({ error: { code: 'too_many_auth_failures' } });
    } finally {
      await own.close();
    }
  });
});
