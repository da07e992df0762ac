import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { ProviderKeyPool } from './key-pool.ts';

function keysOf(keys: unknown[]) {
  return parseConfig({ providers: { p: { type: 'openai', keys } } }, {}).providers.p!.keys!;
}

describe('ProviderKeyPool', () => {
  it('chooses keys by weight', async () => {
    let x = 0;
    const pool = new ProviderKeyPool(keysOf([{ key: 'a', weight: 3 }, { key: 'b', weight: 1 }]), Date.now, () => ((x = (x + 0.37) % 1)));
    const counts: Record<string, number> = { a: 0, b: 0 };
    for (let i = 0; i < 1000; i++) {
      const lease = await pool.acquire();
      counts[lease.key]! += 1;
      lease.release(0);
    }
    expect(counts.a! / 1000).toBeGreaterThan(0.7);
    expect(counts.a! / 1000).toBeLessThan(0.8);
  });

  it('skips a key at its per-minute caps and refuses when all are', async () => {
    const pool = new ProviderKeyPool(keysOf([{ key: 'a', rpm: 1 }, { key: 'b', tpm: 100 }]), () => 1_000, () => 0);
    const first = await pool.acquire();
    expect(first.key).toBe('a');
    first.release(0);
    const second = await pool.acquire();
    expect(second.key).toBe('b');
    second.release(150);
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'upstream_key_busy', status: 429 });
  });

  it('queues calls over max_concurrency in order and gives up after max_queue_ms', async () => {
    const pool = new ProviderKeyPool(keysOf([{ key: 'a', max_concurrency: 1, max_queue_ms: 200 }]));
    const holder = await pool.acquire();
    const order: string[] = [];
    const second = pool.acquire().then((l) => { order.push('second'); return l; });
    const third = pool.acquire().then((l) => { order.push('third'); return l; });
    holder.release(0);
    (await second).release(0);
    (await third).release(0);
    expect(order).toEqual(['second', 'third']);
    const busy = await pool.acquire();
    const t0 = performance.now();
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'upstream_key_busy' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(190);
    busy.release(0);
  });

  it('a waiting call whose client leaves gives up its place', async () => {
    const pool = new ProviderKeyPool(keysOf([{ key: 'a', max_concurrency: 1 }]));
    const holder = await pool.acquire();
    const abort = new AbortController();
    const waiting = pool.acquire(abort.signal);
    abort.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    holder.release(0);
    (await pool.acquire()).release(0);
  });
});
