import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { adapterFor } from './registry.ts';

const config = parseConfig({
  providers: {
    groq: { type: 'openai-compatible', base_url: 'https://api.groq.com/openai/v1/' },
    azure: { type: 'azure-openai', base_url: 'https://res.openai.azure.com', api_version: '2025-01-01-preview' },
  },
}, {});
const p = config.providers;

describe('provider adapters', () => {
  it('OpenAI-style bases carry /v1, so the gateway path drops it', () => {
    expect(adapterFor('openai').upstreamUrl(p.openai!, '/v1/chat/completions', 'gpt-4o')).toBe('https://api.openai.com/v1/chat/completions');
    expect(adapterFor('openai-compatible').upstreamUrl(p.groq!, '/v1/models?x=1', undefined)).toBe('https://api.groq.com/openai/v1/models?x=1');
    expect(adapterFor('gemini').upstreamUrl(p.gemini!, '/v1/chat/completions', 'gemini-2.5-flash'))
      .toBe('https://generativelanguage.googleapis.com/v1beta/openai/chat/completions');
  });

  it('Anthropic keeps /v1 in the path', () => {
    expect(adapterFor('anthropic').upstreamUrl(p.anthropic!, '/v1/messages', 'claude-sonnet-4-5')).toBe('https://api.anthropic.com/v1/messages');
  });

  it('Azure addresses the deployment and adds api-version', () => {
    const azure = adapterFor('azure-openai');
    expect(azure.upstreamUrl(p.azure!, '/v1/chat/completions', 'prod-gpt4o'))
      .toBe('https://res.openai.azure.com/openai/deployments/prod-gpt4o/chat/completions?api-version=2025-01-01-preview');
    expect(azure.upstreamUrl(p.azure!, '/openai/deployments/d/embeddings?api-version=2024-10-21', 'd'))
      .toBe('https://res.openai.azure.com/openai/deployments/d/embeddings?api-version=2024-10-21');
    expect(azure.authHeaders('k')).toEqual({ 'api-key': 'k' });
  });

  it('sends configured keys in each provider style', () => {
    expect(adapterFor('openai').authHeaders('k')).toEqual({ authorization: 'Bearer k' });
    expect(adapterFor('anthropic').authHeaders('k')).toEqual({ 'x-api-key': 'k' });
  });
});
