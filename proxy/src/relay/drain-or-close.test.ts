import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { waitForDrainOrClose } from './drain-or-close.ts';

describe('waitForDrainOrClose', () => {
  it('leaves no listener behind, however many waits end with a drain or a close', async () => {
    const res = new EventEmitter();
    for (let i = 0; i < 50; i++) {
      const waited = waitForDrainOrClose(res);
      res.emit(i % 2 ? 'close' : 'drain');
      await waited;
    }
    expect(res.listenerCount('drain')).toBe(0);
    expect(res.listenerCount('close')).toBe(0);
  });

  it('waits until one of them comes', async () => {
    const res = new EventEmitter();
    let done = false;
    const waited = waitForDrainOrClose(res).then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    res.emit('drain');
    await waited;
    expect(done).toBe(true);
  });
});
