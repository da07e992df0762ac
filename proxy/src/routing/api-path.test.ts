import { describe, expect, it } from 'vitest';
import { attackCases, traversalPath } from '@periscope/testkit';
import { parseConfig } from '../config/load.ts';
import { GatewayError } from '../errors.ts';
import { adapterFor } from '../providers/registry.ts';
import { seededRandom } from '../seeded-random.ts';
import { checkApiPath, checkRepeatedV1 } from './api-path.ts';

const refused = (path: string) => {
  try {
    checkApiPath(path);
    return false;
  } catch (err) {
    expect(err).toBeInstanceOf(GatewayError);
    expect((err as GatewayError).code).toBe('invalid_path');
    return true;
  }
};

const providers = parseConfig({
  providers: {
    openai: { type: 'openai', base_url: 'https://api.example.com/v1' },
    deep: { type: 'openai-compatible', base_url: 'https://deep.example.com/tenant/a/openai/v1' },
    anthropic: { type: 'anthropic', base_url: 'https://anthropic.example.com/proxy' },
    azure: { type: 'azure-openai', base_url: 'https://res.example.com/base' },
    gemini: { type: 'gemini', base_url: 'https://g.example.com/v1beta/openai' },
  },
}, {}).providers;

/** A server that percent-decodes the path once (backslashes as slashes) and then resolves dot segments. */
function decodedByServer(pathname: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    decoded = pathname;
  }
  return new URL(`https://server${decoded.replace(/\\/g, '/').replace(/^\/*/, '/')}`).pathname;
}

describe('checkApiPath', () => {
  it.each([
    '/../../x', '/openai/../../x', '/%2e%2e/%2e%2e/x', '/%2E%2e/x', '/.%2e/x', '/%2e./x', '/..%2fx', '/a%2fb', '/a%2Fb', '/\\..\\x', '/a\\b',
    '/v1/./x', '/v1/..', '/x/..;/y', '/x/..%3b/y', '/%252e%252e/x', '/%c0%ae%c0%ae/x', '/%e0%80%ae/x', '/a%5cb', '/x#/../y',
  ])('refuses %s', (path) => {
    expect(refused(path)).toBe(true);
  });

  it.each([
    '/v1/chat/completions', '/v1/models/gpt-4.1', '/v1/files/file-abc?purpose=../../x', '/v1/x.y/z', '/v1/..x', '/v1/x..', '/v1/%20space', '/v1//double',
    '/openai/deployments/my.dep/chat/completions?api-version=2024-10-21',
  ])('lets %s through', (path) => {
    expect(refused(path)).toBe(false);
  });

  const cases = attackCases(5000);
  it(`generated: no path the gateway accepts leaves any provider's base path, as sent or as a decoding server reads it (${cases} cases, fixed seed)`, () => {
    const random = seededRandom(14_06);
    let accepted = 0;
    for (let i = 0; i < cases; i++) {
      const path = traversalPath(random);
      if (refused(path)) continue;
      accepted++;
      for (const [name, provider] of Object.entries(providers)) {
        const base = new URL(provider.base_url!);
        const basePath = base.pathname.replace(/\/+$/, '');
        const url = new URL(adapterFor(provider.type).upstreamUrl(provider, path, 'dep'));
        const where = `case ${i}: ${path} on ${name} -> ${url.href}`;
        expect(url.origin, where).toBe(base.origin);
        for (const pathname of [url.pathname, decodedByServer(url.pathname)]) {
          expect(pathname === basePath || pathname.startsWith(`${basePath}/`), `${where} (${pathname})`).toBe(true);
        }
      }
    }
    // The generator makes both kinds, so the property is not true for want of accepted paths.
    expect(accepted).toBeGreaterThan(cases / 10);
    expect(accepted).toBeLessThan(cases);
  }, Math.max(20_000, cases * 2));
});

describe('checkRepeatedV1', () => {
  it('refuses /v1/v1/... with what to fix, in words for each dialect', () => {
    expect(() => checkRepeatedV1('/v1/v1/messages', 'anthropic')).toThrow(/ANTHROPIC_BASE_URL.*without \/v1/);
    expect(() => checkRepeatedV1('/v1/v1/chat/completions?x=1', 'openai')).toThrow(/\/v1\/v1\/chat\/completions repeats \/v1.*remove the extra \/v1/);
    expect(() => checkRepeatedV1('/v1/v1', 'openai')).toThrow(GatewayError);
    for (const ok of ['/v1/messages', '/v1/v10/x', '/v1/v1beta/openai/chat/completions', '/openai/v1/chat/completions']) {
      expect(() => checkRepeatedV1(ok, 'openai')).not.toThrow();
    }
  });
});
