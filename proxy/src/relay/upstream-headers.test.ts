import { describe, expect, it } from 'vitest';
import type { ProviderType } from '@periscope/contract';
import type { Dialect } from '../errors.ts';
import { clientCredentials, clientResponseHeaders, planUpstreamHeaders } from './upstream-headers.ts';

describe('planUpstreamHeaders', () => {
  it('forwards the client key and drops gateway and hop-by-hop headers', () => {
    const plan = planUpstreamHeaders({
      authorization: 'Bearer sk-client', 'periscope-auth': 'Bearer psk_x', connection: 'keep-alive', host: 'gw',
      'content-length': '10', 'openai-beta': 'assistants=v2', 'x-stainless-lang': 'js',
    }, { authorization: 'Bearer sk-configured' }, false, 'openai', 'openai');
    expect(plan.headers).toEqual({ authorization: 'Bearer sk-client', 'openai-beta': 'assistants=v2', 'x-stainless-lang': 'js', 'accept-encoding': 'identity' });
    expect(plan.clientSentKey).toBe(true);
  });

  it('never forwards a gateway key, and uses the configured key instead', () => {
    const plan = planUpstreamHeaders({ 'x-api-key': 'psk_gatewaygatewaygatewaygateway', authorization: 'Bearer psk_otherotherotherotherother' }, { 'x-api-key': 'sk-ant-configured' }, false, 'anthropic', 'anthropic');
    expect(plan.headers['x-api-key']).toBe('sk-ant-configured');
    expect(plan.headers.authorization).toBeUndefined();
    expect(plan.clientSentKey).toBe(false);
  });

  it('replaces the client key with the configured one when an alias chose the provider', () => {
    const plan = planUpstreamHeaders({ authorization: 'Bearer sk-openai-key' }, { authorization: 'Bearer gsk_groq' }, true, 'openai-compatible', 'openai');
    expect(plan.headers.authorization).toBe('Bearer gsk_groq');
    const noConfigured = planUpstreamHeaders({ authorization: 'Bearer sk-openai-key' }, undefined, true, 'openai-compatible', 'openai');
    expect(noConfigured.headers.authorization).toBe('Bearer sk-openai-key');
  });

  it('never forwards a credential to a provider type that does not take its kind, in either direction', () => {
    // [what the client sent, the provider's type, the dialect the call speaks, forwarded?]
    const cases: Array<[Record<string, string>, ProviderType, Dialect, boolean]> = [
      [{ 'x-api-key': 'sk-ant-api03-abcdefghijklmnop' }, 'openai', 'anthropic', false],
      [{ 'x-api-key': 'sk-ant-api03-abcdefghijklmnop' }, 'openai-compatible', 'openai', false],
      [{ authorization: 'Bearer sk-ant-oat01-abcdefghijklmnop' }, 'openai', 'openai', false],
      [{ authorization: 'Bearer some-anthropic-key-123456' }, 'openai', 'anthropic', false],
      [{ authorization: 'Bearer some-anthropic-key-123456' }, 'openai-compatible', 'anthropic', false],
      [{ 'x-api-key': 'some-anthropic-key-1234567' }, 'azure-openai', 'openai', false],
      [{ authorization: 'Bearer sk-proj-abcdefghijklmnop' }, 'anthropic', 'anthropic', false],
      [{ authorization: 'Bearer sk-legacyabcdefghijklmnop' }, 'anthropic', 'openai', false],
      [{ authorization: 'Bearer sk-proj-abcdefghijklmnop' }, 'openai-compatible', 'openai', false],
      [{ authorization: 'Bearer sk-proj-abcdefghijklmnop' }, 'gemini', 'openai', false],
      [{ authorization: 'Bearer sk-legacyabcdefghijklmnop' }, 'gemini', 'openai', false],
      [{ 'x-api-key': 'sk-proj-abcdefghijklmnop' }, 'anthropic', 'anthropic', false],
      [{ authorization: 'Bearer AIzaSyabcdefghijklmnop' }, 'openai', 'openai', false],
      [{ 'x-goog-api-key': 'AIzaSyabcdefghijklmnop' }, 'anthropic', 'anthropic', false],
      [{ 'api-key': 'azure-key-abcdefghijk' }, 'openai', 'openai', false],
      [{ authorization: 'Bearer gsk_groqgroqgroq' }, 'anthropic', 'openai', false],
      [{ 'x-api-key': 'sk-ant-api03-abcdefghijklmnop' }, 'anthropic', 'anthropic', true],
      [{ authorization: 'Bearer sk-ant-oat01-abcdefghijklmnop' }, 'anthropic', 'anthropic', true],
      [{ authorization: 'Bearer sk-ant-api03-abcdefghijklmnop' }, 'anthropic', 'openai', true],
      [{ authorization: 'Bearer some-anthropic-key-123456' }, 'anthropic', 'anthropic', true],
      [{ authorization: 'Bearer sk-proj-abcdefghijklmnop' }, 'openai', 'openai', true],
      [{ authorization: 'Bearer sk-legacyabcdefghijklmnop' }, 'openai', 'openai', true],
      [{ authorization: 'Bearer gsk_groqgroqgroq' }, 'openai-compatible', 'openai', true],
      [{ 'api-key': 'azure-key-abcdefghijk' }, 'azure-openai', 'openai', true],
      [{ authorization: 'Bearer AIzaSyabcdefghijklmnop' }, 'gemini', 'openai', true],
      [{ 'x-goog-api-key': 'AIzaSyabcdefghijklmnop' }, 'gemini', 'openai', true],
    ];
    for (const [incoming, type, dialect, forwarded] of cases) {
      const [name] = Object.keys(incoming) as [string];
      for (const configured of [undefined, { 'x-configured': 'k' }]) {
        const plan = planUpstreamHeaders(incoming, configured, false, type, dialect);
        expect(plan.headers[name] !== undefined, `${name}: ${incoming[name]} to ${type} (${dialect} call)`).toBe(forwarded);
        expect(plan.clientSentKey).toBe(forwarded);
        expect(plan.refusedCredential).toBe(forwarded ? undefined : name);
        // The configured key stands in; the attempt decides whether it may (an alias) or refuses the call.
        expect(plan.headers['x-configured'] !== undefined).toBe(!forwarded && configured !== undefined);
      }
    }
  });

  it('forwards the key that fits and drops the one that does not when a client sends both', () => {
    const plan = planUpstreamHeaders({ authorization: 'Bearer sk-proj-abcdefghijklmnop', 'x-api-key': 'sk-ant-api03-abcdefghijklmnop' }, undefined, false, 'anthropic', 'anthropic');
    expect(plan.headers).toMatchObject({ 'x-api-key': 'sk-ant-api03-abcdefghijklmnop' });
    expect(plan.headers.authorization).toBeUndefined();
    expect(plan).toMatchObject({ clientSentKey: true, refusedCredential: 'authorization' });
  });

  it('relays own headers only, both ways, even with a name on Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto['x-polluted'] = 'leak';
    try {
      const up = planUpstreamHeaders({ 'content-type': 'application/json' }, { authorization: 'Bearer sk-configured-123456' }, false, 'openai', 'openai').headers;
      expect(Object.keys(up).sort()).toEqual(['accept-encoding', 'authorization', 'content-type']);
      expect(Object.keys(clientResponseHeaders({ 'content-type': 'text/event-stream' }, false))).toEqual(['content-type']);
    } finally {
      delete proto['x-polluted'];
    }
  });

  it('collects every credential the client sent, for scrubbing', () => {
    expect(clientCredentials({ authorization: 'Bearer a-key', 'x-api-key': 'b-key', 'api-key': 'c', 'x-goog-api-key': 'd', other: 'e' }))
      .toEqual(['a-key', 'b-key', 'c', 'd']);
  });
});
