import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from './http-server.ts';

/** A logger destination that keeps every line. */
function lines(): { stream: Writable; got: Record<string, unknown>[] } {
  const got: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) got.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return { stream, got };
}

describe('createHttpServer: a request\'s logger', () => {
  it('logs with the request id bound, at the level given, and makes no pino child for a request that logs nothing', async () => {
    const { stream, got } = lines();
    const { app } = createHttpServer({ stream, level: 'info' }, async () => {}, { accessLog: false });
    const parent = app.log as unknown as { child: (...args: unknown[]) => unknown };
    // Children bound to a request id (pino's children inherit this method, so the request's own
    // child() calls come here too).
    let children = 0;
    const child = parent.child;
    parent.child = function (this: unknown, ...args: unknown[]) {
      if (Object.hasOwn(args[0] as object, 'reqId')) children++;
      return child.apply(this, args);
    };
    app.get('/quiet', async () => ({ ok: true }));
    app.get('/loud', async (request) => {
      request.log.info({ detail: 'x' }, 'one line');
      request.log.debug('below the level');
      request.log.child({ step: 'inner' }).warn('from a child');
      return { ok: true };
    });
    await app.ready();
    try {
      for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/quiet' })).statusCode).toBe(200);
      expect(children).toBe(0);
      const loud = await app.inject({ url: '/loud' });
      expect(loud.statusCode).toBe(200);
      expect(children).toBe(1);
      const mine = got.filter((l) => l.msg === 'one line' || l.msg === 'from a child' || l.msg === 'below the level');
      expect(mine).toEqual([
        expect.objectContaining({ msg: 'one line', detail: 'x', reqId: expect.any(String), level: 30 }),
        expect.objectContaining({ msg: 'from a child', step: 'inner', reqId: mine[0]?.reqId, level: 40 }),
      ]);
    } finally {
      await app.close();
    }
  });
});
