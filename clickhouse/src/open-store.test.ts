import { describe, expect, it } from 'vitest';
import { openStore } from './open-store.ts';

describe('openStore', () => {
  it('fails with store_unavailable when the server does not answer', async () => {
    await expect(openStore({ url: 'http://127.0.0.1:1' })).rejects.toMatchObject({ code: 'store_unavailable', status: 503 });
  });
});
