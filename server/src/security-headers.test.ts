import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { API_CSP, securityHeaders, UI_CSP } from './security-headers.ts';

describe('securityHeaders', () => {
  const app = Fastify();
  app.addHook('onRequest', securityHeaders('/ui'));
  app.all('/*', async () => 'ok');
  afterAll(() => app.close());

  const csp = async (url: string) => (await app.inject({ method: 'GET', url })).headers['content-security-policy'];

  it('reads the path without its query string', async () => {
    expect(await csp('/api')).toBe(API_CSP);
    expect(await csp('/api?x=1')).toBe(API_CSP);
    expect(await csp('/api/requests?limit=5')).toBe(API_CSP);
    expect(await csp('/?tab=1')).toBe(UI_CSP);
    expect(await csp('/ui?x')).toBe(UI_CSP);
    expect(await csp('/ui/requests?q=/api/')).toBe(UI_CSP);
  });

  it('leaves the gateway and other paths alone, whatever their query says', async () => {
    for (const url of ['/v1/chat/completions', '/v1/chat/completions?next=/api/', '/apis', '/uix', '/openai/v1/models?x=/']) {
      expect(await csp(url), url).toBeUndefined();
    }
    const res = await app.inject({ method: 'GET', url: '/api/x?y' });
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.headers['x-frame-options']).toBe('DENY');
  });
});
