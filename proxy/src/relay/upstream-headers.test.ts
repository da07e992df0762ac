import { describe, expect, it } from 'vitest';
import { clientCredentials, planUpstreamHeaders } from './upstream-headers.ts';

describe('planUpstreamHeaders', () => {
  it('forwards the client key and drops gateway and hop-by-hop headers', () => {
    const plan = planUpstreamHeaders({
      authorization: 'Bearer sk-client', 'periscope-auth': 'Bearer psk_x', connection: 'keep-alive', host: 'gw',
      'content-length': '10', 'openai-beta': 'assistants=v2', 'x-stainless-lang': 'js',
    }, 'psk_x', { authorization: 'Bearer sk-configured' });
    expect(plan.headers).toEqual({ authorization: 'Bearer sk-client', 'openai-beta': 'assistants=v2', 'x-stainless-lang': 'js', 'accept-encoding': 'identity' });
    expect(plan.clientSentKey).toBe(true);
  });

  it('uses the configured key when the client sent none, or only the gateway key', () => {
    const plan = planUpstreamHeaders({ 'x-api-key': 'psk_gateway' }, 'psk_gateway', { 'x-api-key': 'sk-ant-configured' });
    expect(plan.headers['x-api-key']).toBe('sk-ant-configured');
    expect(plan.clientSentKey).toBe(false);
  });

  it('collects every credential the client sent, for scrubbing', () => {
    expect(clientCredentials({ authorization: 'Bearer a-key', 'x-api-key': 'b-key', 'api-key': 'c', 'x-goog-api-key': 'd', other: 'e' }))
      .toEqual(['a-key', 'b-key', 'c', 'd']);
  });
});
