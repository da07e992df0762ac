import { describe, expect, it } from 'vitest';
import { attackCases, canaryKey, errorBodyQuoting, headersQuoting, nestedJsonStrings } from '@periscope/testkit';
import { parseConfig } from '../config/load.ts';
import { seededRandom } from '../seeded-random.ts';
import { ProviderKeyScrubber, providerKeyScrubber } from './provider-key-scrubber.ts';
import { relayedError } from './relayed-error.ts';
import { CHAIN_PLAIN_KEY, CHAIN_QUOTED_KEY, scrubChain } from '../testing/scrub-chain.ts';
import { gzipSync } from 'node:zlib';

const CLIENT = { dialect: 'openai', requestId: 'req-1' } as const;

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

  it('reads a text again after a key holding a quote was replaced: the quotes pair anew, and may hold another key escaped', () => {
    const plain = 'sk-proj-AbCdEfGh1234567890';
    const quoted = 'cfg-key-with"quote-0123456789';
    const s = new ProviderKeyScrubber([plain, quoted]);
    const escaped = [...plain].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
    // As sent the message's literal ends at the quoted key's quote, so the escaped key is outside any literal;
    // with that key replaced, the literal runs on and a JSON parser decodes the escaped key.
    for (const [a, b] of [[quoted, escaped], [escaped, quoted]]) {
      const event = `event: error\ndata: {"error":{"message":"bad ${a} and ${b} and ${quoted}"}}\n\n`;
      const out = s.scrubSseEvent(event);
      expect(out).not.toContain(plain);
      expect(out).not.toContain(quoted);
      const data = out.split('\n').find((l) => l.startsWith('data: '))!.slice(6);
      expect(JSON.parse(data).error.message).toBe('bad [REDACTED] and [REDACTED] and [REDACTED]');
      expect(s.scrubText(out.slice(0, -2))).toBe(out.slice(0, -2));
    }
  });

  it('withholds a text still changing after four passes: a chain built one link a pass, or keys that replacing forms (helper-72)', () => {
    const s = new ProviderKeyScrubber([CHAIN_PLAIN_KEY, CHAIN_QUOTED_KEY]);
    for (const links of [0, 1, 2, 3, 100]) {
      const text = scrubChain(links);
      const out = s.scrubText(text);
      for (const key of [CHAIN_PLAIN_KEY, CHAIN_QUOTED_KEY]) expect(leaks(out, key), `${links} links: ${out}`).toBe(false);
      expect(s.scrubText(out)).toBe(out);
      if (links >= 3) expect(out).toBe('');
      expect(s.scrubSseEvent(`event: error\ndata: ${text}\n\n`)).not.toContain('sk-proj');
    }
    const tails = ['alpha-001', 'bravo-002', 'charl-003', 'delta-004', 'echoo-005', 'foxtr-006'];
    const chained = new ProviderKeyScrubber(['first-key-000', ...tails.map((t) => `D]${t}`)]);
    expect(chained.scrubText(`{"error":{"message":"bad first-key-000${tails.join('')}"}}`)).toBe('');
  });

  it('generated: a scrubbed text is left as it is by another scrub, and no JSON reading of it holds a key (2,000 cases, fixed seed)', () => {
    const keys = ['sk-proj-AbCdEfGh1234567890', 'cfg-key-with"quote-0123456789', 'key\\with-backslash-99'];
    const s = new ProviderKeyScrubber(keys);
    const random = seededRandom(20261207);
    const pick = <T,>(a: readonly T[]) => a[Math.floor(random() * a.length)]!;
    const unicode = (k: string) => [...k].map((c) => (random() < 0.5 ? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}` : JSON.stringify(c).slice(1, -1))).join('');
    const spell = (k: string) => pick([k, JSON.stringify(k).slice(1, -1), unicode(k), JSON.stringify(k).slice(1, -1).replace(/\//g, '\\/')]);
    const fillers = [' and ', '"', '\\"', '\\\\', 'x', '","m":"', '\\n'];
    for (let i = 0; i < 2000; i++) {
      let message = '';
      for (let n = 2 + Math.floor(random() * 5); n > 0; n--) message += random() < 0.5 ? spell(pick(keys)) : pick(fillers);
      const text = `{"error":{"message":"${message}"}}`;
      const out = s.scrubText(text);
      expect(s.scrubText(out), text).toBe(out);
      for (const key of keys) expect(leaks(out, key), `${key} in ${out} (from ${text})`).toBe(false);
    }
  });

  it('finds a key split over several data: lines of one SSE event', () => {
    const s = new ProviderKeyScrubber(['sk-ant-api03-splitsplitsplit']);
    const out = s.scrubSseEvent('event: error\ndata: {"type":"error","error":{"message":"bad sk-ant-api03-split\ndata: splitsplit"}}\n\n');
    expect(out).toBe('event: error\ndata: {"type":"error","error":{"message":"bad [REDACTED]"}}\n\n');
  });

  it('decompresses a compressed error body to scrub it, and withholds one it cannot decode', () => {
    const s = new ProviderKeyScrubber(['sk-compressed-key-000000']);
    const body = gzipSync(Buffer.from('{"error":{"message":"Incorrect API key provided: sk-compressed-key-000000"}}'));
    const out = relayedError({ headers: { 'content-encoding': 'gzip', 'content-length': String(body.length) }, body }, s, CLIENT);
    expect(out.body.toString()).toBe('{"error":{"message":"Incorrect API key provided: [REDACTED]"}}');
    expect(out.headers['content-encoding']).toBeUndefined();
    expect(out.headers['content-length']).toBe(out.body.length);
    const odd = relayedError({ headers: { 'content-encoding': 'zstd', 'content-type': 'application/json' }, body: Buffer.from('sk-compressed-key-000000') }, s, CLIENT);
    expect(JSON.parse(odd.body.toString())).toEqual({ error: {
      message: "Periscope withheld the provider's error body: its content-encoding (zstd) could not be checked for provider keys.",
      type: 'api_error', param: null, code: 'provider_error_withheld',
    } });
    expect(odd.headers).toMatchObject({ 'content-type': 'application/json', 'content-length': odd.body.length });
  });

  it('replaces an error body the scrubber withholds by an error in the client\'s dialect saying so, not by nothing (helper-73)', () => {
    const s = new ProviderKeyScrubber([CHAIN_PLAIN_KEY, CHAIN_QUOTED_KEY]);
    const upstream = { headers: { 'content-type': 'application/json; charset=utf-8' }, body: Buffer.from(scrubChain(3)) };
    const message = "Periscope withheld the provider's error body: it could not be checked for provider keys.";
    const openai = relayedError(upstream, s, CLIENT);
    expect(JSON.parse(openai.body.toString())).toEqual({ error: { message, type: 'api_error', param: null, code: 'provider_error_withheld' } });
    expect(openai.headers['content-length']).toBe(openai.body.length);
    const anthropic = relayedError(upstream, s, { dialect: 'anthropic', requestId: 'req-2' });
    expect(JSON.parse(anthropic.body.toString())).toEqual({ type: 'error', error: { type: 'api_error', message }, request_id: 'req-2' });
    // An empty body stays empty: nothing was withheld.
    expect(relayedError({ headers: {}, body: Buffer.alloc(0) }, s, CLIENT).body.length).toBe(0);
  });

  it('says a message it withholds was withheld (the error handler\'s message, which the row stores too)', () => {
    const s = new ProviderKeyScrubber([CHAIN_PLAIN_KEY, CHAIN_QUOTED_KEY]);
    expect(s.scrubMessage(scrubChain(3))).toBe('Periscope withheld this message: it could not be checked for provider keys.');
    expect(s.scrubMessage(`connect failed: ${CHAIN_PLAIN_KEY}`)).toBe('connect failed: [REDACTED]');
    expect(s.scrubMessage('')).toBe('');
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
      const out = relayedError({ headers, body: Buffer.from(body) }, scrubber, CLIENT);
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
