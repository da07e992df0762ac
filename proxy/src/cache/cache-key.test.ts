import { describe, expect, it } from 'vitest';
import { cacheKey, exclusionsFor, type CacheKeyInput } from './cache-key.ts';
import { canonicalJson } from './canonical-json.ts';
import { compilePaths, JsonPathError, parseJsonPath } from '@periscope/contract';

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], temperature: 0 };

function key(overrides: Partial<CacheKeyInput> = {}): string {
  return cacheKey({
    projectId: 'p1', seed: '', route: '/v1/chat/completions', endpoint: 'chat.completions', semanticHeaders: '',
    body: chat, exclusions: exclusionsFor([]), ...overrides,
  });
}

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('leaves out excluded paths, with wildcards over keys and indexes', () => {
    const trie = compilePaths(['metadata', 'messages[*].name', 'a.*.b']);
    const value = { metadata: { x: 1 }, messages: [{ role: 'user', name: 'n' }, { role: 'tool', name: 'm' }], a: { p: { b: 1, c: 2 } } };
    expect(canonicalJson(value, trie)).toBe('{"a":{"p":{"c":2}},"messages":[{"role":"user"},{"role":"tool"}]}');
  });

  it('keeps the slot of an excluded array item so later indexes keep their meaning', () => {
    expect(canonicalJson({ list: [1, 2, 3] }, compilePaths(['list[1]']))).toBe('{"list":[1,null,3]}');
  });
});

describe('parseJsonPath', () => {
  it('reads keys, indexes and wildcards', () => {
    expect(parseJsonPath('messages[*].content[0].cache_control')).toEqual(['messages', '*', 'content', '0', 'cache_control']);
    expect(parseJsonPath('a.*.b')).toEqual(['a', '*', 'b']);
  });

  it('rejects malformed paths with the path in the message', () => {
    for (const bad of ['', 'a..b', 'a.', 'a[x]', 'a]b', 'a.[0]']) {
      expect(() => parseJsonPath(bad), bad).toThrow(JsonPathError);
    }
    expect(() => parseJsonPath('a[x]')).toThrow('"a[x]"');
  });
});

describe('cacheKey', () => {
  it('is a stable sha256 that ignores key order and formatting', () => {
    const k = key();
    expect(k).toMatch(/^[0-9a-f]{64}$/);
    expect(key({ body: { temperature: 0, messages: [{ content: 'hi', role: 'user' }], model: 'gpt-4o-mini' } })).toBe(k);
  });

  it('does not depend on stream, stream_options, user, metadata or cache_control', () => {
    const k = key();
    expect(key({ body: { ...chat, stream: true, stream_options: { include_usage: true } } })).toBe(k);
    expect(key({ body: { ...chat, user: 'alice', metadata: { a: '1' }, store: true, service_tier: 'auto', safety_identifier: 's' } })).toBe(k);
    const anthropic = { model: 'claude-sonnet-4-5', system: [{ type: 'text', text: 'S' }], messages: [{ role: 'user', content: [{ type: 'text', text: 'q' }] }] };
    const marked = {
      ...anthropic,
      system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'q', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
    };
    expect(key({ endpoint: 'messages', body: marked })).toBe(key({ endpoint: 'messages', body: anthropic }));
  });

  it('changes with every semantic input', () => {
    const k = key();
    expect(key({ projectId: 'p2' })).not.toBe(k);
    expect(key({ seed: 'a' })).not.toBe(k);
    expect(key({ route: 'groq /v1/chat/completions' })).not.toBe(k);
    expect(key({ route: 'azure /openai/deployments/other/chat/completions' })).not.toBe(key({ route: 'azure /openai/deployments/one/chat/completions' }));
    expect(key({ endpoint: 'completions' })).not.toBe(k);
    expect(key({ semanticHeaders: 'output-128k-2025-02-19' })).not.toBe(k);
    expect(key({ body: { ...chat, temperature: 1 } })).not.toBe(k);
    expect(key({ body: { ...chat, model: 'gpt-4o' } })).not.toBe(k);
    expect(key({ body: { ...chat, messages: [{ role: 'user', content: 'hi!' }] } })).not.toBe(k);
  });

  it('keeps the parts of the key material apart (no ambiguity between fields)', () => {
    expect(key({ projectId: 'p1', seed: 'x' })).not.toBe(key({ projectId: 'p1x', seed: '' }));
  });

  it('applies a model\'s extra excluded paths', () => {
    const withTrace = { ...chat, messages: [{ role: 'user', content: 'hi', name: 'trace-123' }] };
    expect(key({ body: withTrace })).not.toBe(key());
    const exclusions = exclusionsFor(['messages[*].name']);
    expect(key({ body: withTrace, exclusions })).toBe(key({ exclusions }));
  });
});
