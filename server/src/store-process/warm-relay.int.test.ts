import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { seededRandom } from '@periscope/proxy';
import { attackCases } from '@periscope/testkit';
import { startPeriscopeProcess, type PeriscopeProcess } from '../testing/periscope-process.ts';
import { WARM_UP_HEADER } from './protocol.ts';

/**
 * `periscope start`'s warm-up of its relay to the store process (warm-relay.ts), as its own
 * processes: it runs as the gateway starts, the store process leaves it out of its access
 * log, and no client can have a request of its own left out the same way.
 */
let p: PeriscopeProcess;

beforeAll(async () => {
  p = await startPeriscopeProcess({ providers: {} });
}, 120_000);
afterAll(() => p?.stop());

const logLines = () => p.output().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const loggedUrls = () => logLines().filter((l) => l.msg === 'incoming request').map((l) => (l.req as { url: string }).url);

/** GET `path` through the gateway with raw header values (Node sends latin1 bytes as they are). */
function get(path: string, headers: Record<string, string | string[]>): Promise<number> {
  const url = new URL(p.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, headers }, (res) => {
      res.resume();
      res.once('end', () => resolve(res.statusCode!));
    });
    req.once('error', reject);
    req.end();
  });
}

/** Header values a client might try for the warm-up header: guesses, the token's length and alphabet, bytes past ASCII. */
function spoofs(random: () => number): Array<string | string[]> {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const word = (n: number, from = alphabet) => Array.from({ length: n }, () => from[Math.floor(random() * from.length)]).join('');
  const high = () => String.fromCharCode(0x80 + Math.floor(random() * 0x80));
  const out: Array<string | string[]> = ['1', 'true', ' 1', '1 ', '', '0', 'yes', 'undefined'];
  for (let i = out.length; i < attackCases(48); i++) {
    const kind = i % 6;
    out.push(
      kind === 0 ? word(32)
        : kind === 1 ? word(31) + high()
          : kind === 2 ? Array.from({ length: 32 }, high).join('')
            : kind === 3 ? ['1', word(32)]
              : kind === 4 ? word(1 + Math.floor(random() * 200))
                : word(16) + ',' + word(15),
    );
  }
  return out;
}

describe('the store relay warm-up', () => {
  it('runs as the gateway starts (32 relayed requests answered), and the store process logs none of them', async () => {
    const deadline = Date.now() + 10_000;
    let warmed: Record<string, unknown> | undefined;
    while (!(warmed = logLines().find((l) => l.msg === 'warmed the relay to the store process')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(warmed, 'the warm-up\'s log line').toMatchObject({ answered: 32 });
    expect(loggedUrls(), 'access log lines before any request of this test').toEqual([]);
    // A client's own request is logged as before.
    expect(await get('/api/session', {})).toBe(401);
    await expect.poll(loggedUrls).toEqual(['/api/session']);
  });

  it('leaves every client request in the access log, whatever it sends as the warm-up header (generated, seed 52)', async () => {
    const cases = spoofs(seededRandom(52));
    const statuses: number[] = [];
    for (const [i, value] of cases.entries()) {
      const name = i % 2 ? WARM_UP_HEADER : WARM_UP_HEADER.toUpperCase();
      statuses.push(await get(`/api/warm-canary-${i}`, { [name]: value }));
    }
    // The store process's answer to an unknown API route, never the relay's 502 or a 500.
    expect(new Set(statuses)).toEqual(new Set([401]));
    const expected = cases.map((_, i) => `/api/warm-canary-${i}`);
    await expect.poll(() => expected.filter((url) => !loggedUrls().includes(url)), { timeout: 10_000 }).toEqual([]);
  });
});
