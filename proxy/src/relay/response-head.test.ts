import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { responseHead } from './response-head.ts';

describe('responseHead', () => {
  it('lists the provider\'s headers, then the gateway\'s, the gateway winning a clash', () => {
    expect(responseHead(
      { 'content-type': 'application/json', 'periscope-request-id': 'forged', 'x-request-id': 'up-1', skipped: undefined },
      { 'periscope-request-id': 'pr-1', 'periscope-attempts': '1' },
    )).toEqual(['content-type', 'application/json', 'x-request-id', 'up-1', 'periscope-request-id', 'pr-1', 'periscope-attempts', '1']);
  });

  it('keeps a provider header named like an Object.prototype member', () => {
    expect(responseHead({ constructor: 'a', tostring: 'b' }, { 'periscope-provider': 'openai' })).toEqual(['constructor', 'a', 'tostring', 'b', 'periscope-provider', 'openai']);
  });

  it('is written by Node as one line per value, each name once', async () => {
    const server = createServer((_req, res) => {
      res.writeHead(200, responseHead(
        { 'set-cookie': ['a=1', 'b=2'], 'periscope-cache': 'upstream', 'content-length': 2 },
        { 'periscope-cache': 'MISS' },
      ));
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      expect(await res.text()).toBe('ok');
      expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      expect(res.headers.get('periscope-cache')).toBe('MISS');
      expect(res.headers.get('content-length')).toBe('2');
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
