import { describe, expect, it } from 'vitest';
import { clientCredentials, planUpstreamHeaders } from './upstream-headers.ts';

describe('planUpstreamHeaders', () => {
  it('forwards the client key and drops gateway and hop-by-hop headers', () => {
    const plan = planUpstreamHeaders({
      authorization: 'Bearer sk-client', 'periscope-auth': 'Bearer psk_x', connection: 'keep-alive', host: 'gw',
      'content-length': '10', 'openai-beta': 'assistants=v2', 'x-stainless-lang': 'js',
    }, { authorization: 'Bearer sk-configured' }, false);
    expect(plan.headers).toEqual({ authorization: 'Bearer sk-client', 'openai-beta': 'assistants=v2', 'x-stainless-lang': 'js', 'accept-encoding': 'identity' });
    expect(plan.clientSentKey).toBe(true);
  });

  it('never forwards a gateway key, and uses the configured key instead', () => {
    const plan = planUpstreamHeaders({ 'x-api-key': 'psk_gatewaygatewaygatewaygateway', authorization: 'Bearer psk_otherotherotherotherother' }, { 'x-api-key': 'sk-ant-configured' }, false);
    expect(plan.headers['x-api-key']).toBe('sk-ant-configured');
    expect(plan.headers.authorization).toBeUndefined();
    expect(plan.clientSentKey).toBe(false);
  });

  it('replaces the client key with the configured one when an alias chose the provider', () => {
    const plan = planUpstreamHeaders({ authorization: 'Bearer sk-openai-key' }, { authorization: 'Bearer gsk_groq' }, true);
    expect(plan.headers.authorization).toBe('Bearer gsk_groq');
    const noConfigured = planUpstreamHeaders({ authorization: 'Bearer sk-openai-key' }, undefined, true);
    expect(noConfigured.headers.authorization).toBe('Bearer sk-openai-key');
  });

  it('collects every credential the client sent, for scrubbing', () => {
    expect(clientCredentials({ authorization: 'Bearer a-key', 'x-api-key': 'b-key', 'api-key': 'c', 'x-goog-api-key': 'd', other: 'e' }))
      .toEqual(['a-key', 'b-key', 'c', 'd']);
  });
});
