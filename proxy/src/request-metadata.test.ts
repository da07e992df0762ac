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
    });
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
});
