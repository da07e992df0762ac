import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/load.ts';
import { classifyEndpoint } from './endpoint.ts';
import { resolveProvider } from './resolve-provider.ts';
import { buildRoutePlan } from './route-plan.ts';

describe('classifyEndpoint', () => {
  it.each([
    ['POST', '/v1/chat/completions', 'chat.completions'],
    ['POST', '/v1/chat/completions?x=1', 'chat.completions'],
    ['POST', '/v1/completions', 'completions'],
    ['POST', '/v1/embeddings', 'embeddings'],
    ['POST', '/v1/responses', 'responses'],
    ['GET', '/v1/responses/resp_123', 'passthrough'],
    ['GET', '/v1/models', 'models'],
    ['POST', '/v1/messages', 'messages'],
    ['POST', '/v1/messages/count_tokens', 'messages.count_tokens'],
    ['POST', '/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21', 'chat.completions'],
    ['POST', '/v1beta/openai/chat/completions', 'chat.completions'],
    ['POST', '/v1/audio/transcriptions', 'passthrough'],
    ['GET', '/v1/files', 'passthrough'],
  ])('%s %s is %s', (method, path, endpoint) => {
    expect(classifyEndpoint(method, path)).toBe(endpoint);
  });

  it('names every spelling of a known endpoint as the general reading does', () => {
    // A query string (even an empty one) takes the general path: the spellings looked up directly must agree with it.
    const prefixes = ['', '/v1', '/openai', '/openai/v1', '/v1beta/openai', '/v2', '/openai/v2', '/v1/v1', '/openai/deployments/d'];
    const paths = ['/chat/completions', '/completions', '/embeddings', '/responses', '/messages', '/messages/count_tokens', '/models', '/files', '/chat', '/responses/x'];
    let compared = 0;
    for (const prefix of prefixes) {
      for (const path of paths) {
        for (const method of ['GET', 'POST', 'PUT']) {
          const outcome = (p: string) => {
            try {
              return classifyEndpoint(method, p);
            } catch (err) {
              return (err as { code: string }).code;
            }
          };
          expect(outcome(prefix + path), `${method} ${prefix}${path}`).toBe(outcome(`${prefix}${path}?`));
          expect(outcome(`${prefix}${path}/`), `${method} ${prefix}${path}/`).toBe(outcome(`${prefix}${path}/?a=1`));
          compared += 2;
        }
      }
    }
    expect(compared).toBe(prefixes.length * paths.length * 6);
  });

  it.each([
    ['GET', '/v1/chat/completions', 'POST'], ['PUT', '/v1/chat/completions', 'POST'], ['PATCH', '/openai/v1/chat/completions', 'POST'],
    ['DELETE', '/v1/embeddings', 'POST'], ['GET', '/v1/messages', 'POST'], ['PUT', '/v1/messages/count_tokens', 'POST'],
    ['POST', '/v1/models', 'GET'], ['HEAD', '/v1/responses', 'POST'],
  ])('%s %s is 405 with Allow: %s', (method, path, allow) => {
    let thrown: unknown;
    try {
      classifyEndpoint(method, path);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toMatchObject({ code: 'method_not_allowed', status: 405, headers: { allow } });
  });
});

describe('resolveProvider', () => {
  const config = parseConfig({
    providers: {
      groq: { type: 'openai-compatible', base_url: 'http://127.0.0.1:9/openai/v1' },
      azure: { type: 'azure-openai', base_url: 'https://x.openai.azure.com' },
    },
    models: { fast: { deployments: [{ provider: 'groq', model: 'llama-3.1-8b-instant' }] } },
  }, {});

  it('prefers the path prefix', () => {
    expect(resolveProvider(config, 'groq', 'gpt-4o', undefined, 'chat.completions').name).toBe('groq');
  });

  it('leaves models: entries to the route plan, which rewrites the upstream model', () => {
    const [group] = buildRoutePlan(config, undefined, 'fast', 'chat.completions').groups;
    expect(group?.deployments).toMatchObject([{ provider: 'groq', upstreamModel: 'llama-3.1-8b-instant', viaAlias: true }]);
  });

  it('then well-known model names', () => {
    expect(resolveProvider(config, undefined, 'gpt-4o-mini', 'groq', 'chat.completions').name).toBe('openai');
    expect(resolveProvider(config, undefined, 'o3-mini', undefined, 'chat.completions').name).toBe('openai');
    expect(resolveProvider(config, undefined, 'claude-sonnet-4-5', undefined, 'messages').name).toBe('anthropic');
    expect(resolveProvider(config, undefined, 'gemini-2.5-pro', undefined, 'chat.completions').name).toBe('gemini');
  });

  it('then the Periscope-Provider header', () => {
    expect(resolveProvider(config, undefined, 'llama-3.3-70b', 'groq', 'chat.completions').name).toBe('groq');
  });

  it('falls back to the provider an endpoint implies when no model decides', () => {
    expect(resolveProvider(config, undefined, undefined, undefined, 'models').name).toBe('openai');
    expect(resolveProvider(config, undefined, 'my-custom', undefined, 'messages').name).toBe('anthropic');
  });

  it('refuses to guess for an unknown model', () => {
    expect(() => resolveProvider(config, undefined, 'llama-3.3-70b', undefined, 'chat.completions')).toThrow(/Cannot choose a provider/);
    expect(() => resolveProvider(config, undefined, 'x', 'nope', 'chat.completions')).toThrow(/Unknown provider "nope"/);
  });
});
