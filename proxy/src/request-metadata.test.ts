import { describe, expect, it } from 'vitest';
import { readRequestMetadata } from './request-metadata.ts';

describe('readRequestMetadata', () => {
  it('reads Periscope- and Helicone- headers', () => {
    const m = readRequestMetadata({
      'periscope-auth': 'Bearer psk_abc',
      'helicone-user-id': 'alice',
      'periscope-session-id': 's1',
      'periscope-session-path': '/plan/step-1',
      'periscope-session-name': 'Run',
      'periscope-property-team': 'search',
      'helicone-property-env': 'prod',
      'periscope-request-id': 'req-123',
      'periscope-omit-response': 'true',
      'periscope-provider': 'groq',
    });
    expect(m).toEqual({
      gatewayKey: 'psk_abc', userId: 'alice', sessionId: 's1', sessionPath: '/plan/step-1', sessionName: 'Run',
      properties: { team: 'search', env: 'prod' }, requestId: 'req-123', omitRequest: false, omitResponse: true, provider: 'groq',
      route: { provider: 'groq', fallbacks: undefined, retryEnabled: undefined, retryNum: undefined },
      cache: { enabled: undefined, seed: '', bucketMaxSize: undefined, promptCache: undefined },
    });
  });

  it('reads the cache headers, and refuses malformed ones', () => {
    const m = readRequestMetadata({ 'periscope-cache-enabled': 'true', 'helicone-cache-seed': 'v2', 'periscope-cache-bucket-max-size': '20', 'periscope-prompt-cache': 'Auto' });
    expect(m.cache).toEqual({ enabled: true, seed: 'v2', bucketMaxSize: 20, promptCache: 'auto' });
    expect(readRequestMetadata({ 'periscope-cache-enabled': 'false' }).cache.enabled).toBe(false);
    for (const bad of ['0', '21', '1.5', 'x']) {
      expect(() => readRequestMetadata({ 'periscope-cache-bucket-max-size': bad })).toThrow('Periscope-Cache-Bucket-Max-Size must be an integer from 1 to 20.');
    }
    expect(() => readRequestMetadata({ 'periscope-cache-enabled': 'yes please' })).toThrow(/Cache-Enabled/);
    expect(() => readRequestMetadata({ 'periscope-prompt-cache': 'on' })).toThrow(/Prompt-Cache/);
  });

  it('reads the routing overrides, and refuses malformed ones', () => {
    const m = readRequestMetadata({ 'periscope-fallbacks': 'chat-big, gpt-4o', 'periscope-retry-enabled': 'false', 'helicone-retry-num': '3' });
    expect(m.route).toEqual({ provider: undefined, fallbacks: ['chat-big', 'gpt-4o'], retryEnabled: false, retryNum: 3 });
    expect(readRequestMetadata({ 'periscope-fallbacks': '["a","b"]' }).route.fallbacks).toEqual(['a', 'b']);
    expect(() => readRequestMetadata({ 'periscope-retry-num': '99' })).toThrow(/Retry-Num/);
    expect(() => readRequestMetadata({ 'periscope-retry-enabled': 'maybe' })).toThrow(/Retry-Enabled/);
    expect(() => readRequestMetadata({ 'periscope-fallbacks': '[1' })).toThrow(/Fallbacks/);
  });

  it('ignores unsafe request ids and caps properties', () => {
    const headers: Record<string, string> = { 'periscope-request-id': 'bad id\n' };
    for (let i = 0; i < 80; i++) headers[`periscope-property-p${i}`] = 'x'.repeat(5000);
    const m = readRequestMetadata(headers);
    expect(m.requestId).toBeUndefined();
    expect(Object.keys(m.properties)).toHaveLength(50);
    expect(m.properties.p0).toHaveLength(1024);
  });

  it('prefers Periscope- over Helicone- whichever comes first, and takes an empty value as absent', () => {
    expect(readRequestMetadata({ 'helicone-user-id': 'h', 'periscope-user-id': 'p' }).userId).toBe('p');
    expect(readRequestMetadata({ 'periscope-user-id': 'p', 'helicone-user-id': 'h' }).userId).toBe('p');
    expect(readRequestMetadata({ 'periscope-user-id': '', 'helicone-user-id': 'h' }).userId).toBe('h');
    expect(readRequestMetadata({ 'authorization': 'Bearer sk-x', 'x-periscope-user-id': 'no' }).userId).toBe('');
  });
});
