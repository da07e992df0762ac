import { describe, expect, it } from 'vitest';
import { attackCases, canaryKey, errorBodyQuoting, headersQuoting, nestedJsonStrings } from '@periscope/testkit';
import { parseConfig } from '../config/load.ts';
import { seededRandom } from '../seeded-random.ts';
import { ProviderKeyScrubber, providerKeyScrubber } from './provider-key-scrubber.ts';
import { relayedError } from './relayed-error.ts';
import { gzipSync } from 'node:zlib';

/** Every way a client could read `key` out of `text`: as written, and in any string JSON would decode. */
function leaks(text: string, key: string): boolean {
  if (text.includes(key)) return true;
  try {
    return nestedJsonStrings(JSON.parse(text)).some((s) => s.includes(key));
  } catch {
    return false;
  }
}

describe('ProviderKeyScrubber', () => {
  it('takes every configured key of a config version, from api_key and keys: pools, and none shorter than 8 characters', () => {
    const config = parseConfig({
      providers: {
        a: { type: 'openai-compatible', base_url: 'http://127.0.0.1:1/v1', api_key: 'sk-configured-a-0000000000' },
        b: { type: 'openai-compatible', base_url: 'http://127.0.0.1:1/v1', keys: [{ key: 'pool-key-one-1111' }, { key: 'pool-key-two-2222' }, { key: 'short' }] },
      },
    }, {});
    const scrubber = providerKeyScrubber(config)!;
    expect([...scrubber.keys].sort()).toEqual(['pool-key-one-1111', 'pool-key-two-2222', 'sk-configured-a-0000000000']);
    expect(providerKeyScrubber(config)).toBe(scrubber);
    expect(providerKeyScrubber(parseConfig({}, {}))).toBeUndefined();
    // A new config version (a reload) gets its own scrubber with its own keys.
    const reloaded = parseConfig({ providers: { a: { type: 'openai', api_key: 'sk-rotated-key-99999999' } } }, {});
    expect(providerKeyScrubber(reloaded)!.keys).toContain('sk-rotated-key-99999999');
  });

  it('scrubs a key written plainly or JSON-escaped, and leaves text without one as the same string', () => {
    const s = new ProviderKeyScrubber(['sk-proj-abc/def+ghi==', 'plainword-key-1234']);
    expect(s.scrubText('{"error":{"message":"Incorrect API key provided: sk-proj-abc/def+ghi==."}}')).toBe('{"error":{"message":"Incorrect API key provided: [REDACTED]."}}');
    expect(s.scrubText('{"m":"sk-proj-abc\\/def+ghi=="}')).toBe('{"m":"[REDACTED]"}');
    expect(s.scrubText('{"m":"\\u0070lainword-key-1234 x"}')).toBe('{"m":"[REDACTED] x"}');
    const clean = '{"error":{"message":"The server had an error"}}';
    expect(s.scrubText(clean)).toBe(clean);
    const body = Buffer.from(clean);
    expect(s.scrubBody(body)).toBe(body);
  });

  it('finds a key split over several data: lines of one SSE event', () => {
    const s = new ProviderKeyScrubber(['sk-ant-api03-splitsplitsplit']);
    const out = s.scrubSseEvent('event: error\ndata: {"type":"error","error":{"message":"bad sk-ant-api03-split\ndata: splitsplit"}}\n\n');
    expect(out).toBe('event: error\ndata: {"type":"error","error":{"message":"bad [REDACTED]"}}\n\n');
  });

  it('decompresses a compressed error body to scrub it, and withholds one it cannot decode', () => {
    const s = new ProviderKeyScrubber(['sk-compressed-key-000000']);
    const body = gzipSync(Buffer.from('{"error":{"message":"Incorrect API key provided: sk-compressed-key-000000"}}'));
    const out = relayedError({ headers: { 'content-encoding': 'gzip', 'content-length': String(body.length) }, body }, s);
    expect(out.body.toString()).toBe('{"error":{"message":"Incorrect API key provided: [REDACTED]"}}');
    expect(out.headers['content-encoding']).toBeUndefined();
    expect(out.headers['content-length']).toBe(out.body.length);
    const odd = relayedError({ headers: { 'content-encoding': 'zstd' }, body: Buffer.from('sk-compressed-key-000000') }, s);
    expect(odd.body.toString()).not.toContain('sk-compressed-key-000000');
    expect(odd.body.toString()).toContain('withheld');
  });

  const cases = attackCases(3000);
  it(`generated: no key placed in an error body or a response header comes out (${cases} cases, fixed seed)`, () => {
    const random = seededRandom(14_04);
    let checked = 0;
    for (let i = 0; i < cases; i++) {
      const key = canaryKey(random);
      const other = canaryKey(random);
      const scrubber = new ProviderKeyScrubber([other, key]);
      const body = errorBodyQuoting(random, key);
      const headers = headersQuoting(random, key);
      const out = relayedError({ headers, body: Buffer.from(body) }, scrubber);
      const text = out.body.toString();
      expect(leaks(text, key), `case ${i}: ${body} -> ${text}`).toBe(false);
      for (const [name, value] of Object.entries(out.headers)) {
        expect(`${name}: ${String(value)}`, `case ${i}`).not.toContain(key);
      }
      // The body is still what it was, less the key: JSON stays JSON.
      if (body.startsWith('{')) expect(() => JSON.parse(text), `case ${i}: ${text}`).not.toThrow();
      checked++;
    }
    expect(checked).toBe(cases);
  }, Math.max(20_000, cases * 5));
});
