import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { validateRequestEvent } from '@periscope/contract';
import { createProxyMetrics } from '../metrics.ts';
import { createPriceBook } from '../pricing/price-book.ts';
import { readRequestMetadata } from '../request-metadata.ts';
import { testCall } from '../testing/test-call.ts';
import { BodyCapture, STORED_BODY_MARGIN } from '../call-record.ts';
import { responseContent } from '../otel/gen-ai-content.ts';
import { canaryKey, errorBodyQuoting } from '@periscope/testkit';
import { seededRandom } from '../seeded-random.ts';
import { buildEvent, prepareStoredRequest, WITHHELD_BODY, WITHHELD_VALUE } from './build-event.ts';
import { unicodeEscaped } from '../testing/scrub-chain.ts';

const call = testCall;

const usageBody = JSON.stringify({ model: 'gpt-4o-mini-2024-07-18', usage: { prompt_tokens: 1000, completion_tokens: 500 } });

function deps(maxStoredBodyBytes = 1024) {
  const registry = new Registry();
  return { registry, deps: { priceBook: createPriceBook(), maxStoredBodyBytes, metrics: createProxyMetrics(registry) } };
}

describe('buildEvent', () => {
  it('builds a valid event with usage, price and latency', () => {
    const { deps: d } = deps();
    const e = buildEvent(call({}, usageBody), d);
    expect(validateRequestEvent(e)).toEqual({ ok: true, event: e, upgraded: false });
    expect(e).toMatchObject({ prompt_tokens: 1000, completion_tokens: 500, model_served: 'gpt-4o-mini-2024-07-18', cost_known: true });
    // gpt-4o-mini: $0.15 in / $0.60 out per million.
    expect(e.cost_usd).toBeCloseTo(1000 * 0.15e-6 + 500 * 0.6e-6, 12);
    expect(e.latency_ms).toBeGreaterThanOrEqual(12);
  });

  it('keeps what a provider, a prompt or a long route reports out of the contract\'s range within it: an answered call always gets its row', () => {
    const { deps: d } = deps();
    const huge = JSON.stringify({ model: 'gpt-4o-mini', usage: { prompt_tokens: 1e12, completion_tokens: 5e9, completion_tokens_details: { reasoning_tokens: 1e300 } } });
    const attemptLog = Array.from({ length: 150 }, (_, i) => ({ model: 'gpt-4o-mini', provider: `p${i}`, upstream_model: 'gpt-4o-mini', status: i === 149 ? 200 : 503, error_type: i === 149 ? '' : 'http_503', duration_ms: 1 }));
    const e = buildEvent(call({ attempts: 150, attemptLog, promptCache: { expected: true, divergedAt: 70_000, missReason: 'prompt_changed' } }, huge), d);
    expect(validateRequestEvent(e)).toEqual({ ok: true, event: e, upgraded: false });
    expect(e).toMatchObject({ prompt_tokens: 4_294_967_295, completion_tokens: 4_294_967_295, reasoning_tokens: 4_294_967_295, attempts: 150, prompt_cache_diverged_at: 65_535 });
    expect(Number.isFinite(e.cost_usd)).toBe(true);
    expect(e.attempt_log).toHaveLength(100);
    expect(e.attempt_log.at(-1)).toMatchObject({ provider: 'p149', status: 200 });
    expect(e.attempt_log.at(-2)).toMatchObject({ provider: 'p98' });
    const cached = buildEvent(call({}, JSON.stringify({ model: 'gpt-4o-mini', usage: { prompt_tokens: 10, prompt_tokens_details: { cached_tokens: 1e300 } } })), d);
    expect(validateRequestEvent(cached).ok).toBe(true);
    expect(cached.cache_read_tokens).toBe(4_294_967_295);
  });

  it('caps stored bodies with a flag, and honours omit headers', () => {
    const { deps: d } = deps(10);
    const e = buildEvent(call({ requestBody: Buffer.from('x'.repeat(50)) }, usageBody), d);
    expect(e).toMatchObject({ request_body: 'x'.repeat(10), request_truncated: true, response_truncated: true, prompt_tokens: 1000 });
    expect(e.response_body).toHaveLength(10);
    const omitted = buildEvent(call({ meta: readRequestMetadata({ 'periscope-omit-request': 'true', 'periscope-omit-response': 'true' }) }, usageBody), d);
    expect(omitted).toMatchObject({ request_body: '', response_body: '', request_truncated: false, response_truncated: false });
  });

  it('keeps the row of a call whose body its redaction cannot read (a regular expression\'s limit on millions of characters): the body withheld, counted', async () => {
    const { deps: d, registry } = deps(16 * 1024 * 1024);
    // "Bearer" and nine million separators: the bearer pattern's repeated group throws a RangeError in V8.
    const body = `{"q":"Authorization: Bearer${' '.repeat(9_000_000)}abcdefghijklmnopqrstuvwxyz"}`;
    const response = new BodyCapture(32 * 1024 * 1024);
    response.add(Buffer.from(body));
    const e = buildEvent(call({ requestBody: Buffer.from(body), requestText: body, response }), d);
    expect(validateRequestEvent(e).ok).toBe(true);
    // Compared short: a failing comparison of nine million characters would print them all.
    expect({ request: e.request_body.slice(0, 200), response: e.response_body.slice(0, 200), truncated: e.request_truncated }).toEqual({ request: WITHHELD_BODY, response: WITHHELD_BODY, truncated: false });
    const counted = await registry.getSingleMetricAsString('periscope_stored_fields_withheld_total');
    expect(counted).toContain('periscope_stored_fields_withheld_total{field="request_body"} 1');
    expect(counted).toContain('periscope_stored_fields_withheld_total{field="response_body"} 1');
    // The same body under the default limit is clipped before its redaction, which reads it.
    const clipped = buildEvent(call({ requestBody: Buffer.from(body), requestText: body }, usageBody), deps(256 * 1024).deps);
    expect(clipped.request_body === body.slice(0, 256 * 1024)).toBe(true);
  });

  it('stores model names and error messages clipped, so a client\'s 9 MB model name neither drops the row at the redaction nor makes an event the broker refuses (helper-74)', async () => {
    const { deps: d, registry } = deps();
    const big = `Bearer${' '.repeat(9_000_000)}abcdefghijklmnopqrstuvwxyz`;
    // A key cut by the clip's margin: its start is past what is stored.
    const keyAtTheCut = `${'m'.repeat(1019)} sk-proj-${'k'.repeat(40)}`;
    const attemptLog = [{ model: big, provider: 'openai', upstream_model: keyAtTheCut, status: 500, error_type: 'http_500', duration_ms: 1 }];
    const e = buildEvent(call({ model: big, status: 500, errorType: 'http_500', errorMessage: big, attemptLog, userAgent: big }, usageBody), d);
    expect(validateRequestEvent(e).ok).toBe(true);
    expect([e.model.length, e.error_message.length, e.user_agent.length, e.attempt_log[0]!.model.length]).toEqual([1024, 4096, 512, 1024]);
    expect(e.attempt_log[0]!.upstream_model).toBe(`${'m'.repeat(1019)} [RED`);
    expect(JSON.stringify(e).length).toBeLessThan(20_000);
    expect(await registry.getSingleMetricAsString('periscope_stored_fields_withheld_total')).not.toContain('field=');
  });

  it('never stores the part of a secret a cut leaves, even where a long key replaced before it pulls it into what is stored (helper-75)', () => {
    const { deps: d } = deps(1024);
    const window = 1024 + STORED_BODY_MARGIN;
    // A key-shaped string as long as the window, then a key of which 18 characters are inside it.
    const field = `sk-${'A'.repeat(window - 22)} sk-ant-api03-${'C'.repeat(60)}`;
    // An exact secret (the call's) of which 39 of 40 characters are inside the window.
    const secret = `Zq9x${'s'.repeat(36)}`;
    const body = `sk-${'A'.repeat(window - 43)} ${secret}tail`;
    const e = buildEvent(call({ model: field, errorMessage: field, status: 500, errorType: 'http_500', secrets: [secret], requestBody: Buffer.from(body), requestText: body }, usageBody), d);
    for (const stored of [e.model, e.request_body]) {
      // What the redaction left is shorter than the guard: nothing of it is stored.
      expect({ key: stored.includes('sk-ant'), secret: stored.includes(secret.slice(0, 12)), length: stored.length }).toEqual({ key: false, secret: false, length: 0 });
    }
    // The error message's window (4,096 characters and the margin) holds the whole text: both keys redacted.
    expect(e.error_message).toBe('[REDACTED] [REDACTED]');
    expect(e.request_truncated).toBe(true);
  });

  it('guards in bytes for a body, and longer for a long secret spelled with escapes (helper-76)', () => {
    // A CJK body just past the window: three bytes a character, and max bytes still stored.
    for (const max of [1024, 32 * 1024]) {
      const text = '中'.repeat((max + STORED_BODY_MARGIN) / 3 + 10);
      const e = buildEvent(call({ requestBody: Buffer.from(text), requestText: text }, usageBody), deps(max).deps);
      expect([Buffer.byteLength(e.request_body) > max - 3, e.request_truncated]).toEqual([true, true]);
    }
    // A 3,000-character secret spelled \uXXXX (18,000 characters), cut by the window.
    const secret = `eyJ${'a'.repeat(2997)}`;
    const body = `{"a":"${'x'.repeat(524)}${unicodeEscaped(secret)}"}`;
    const e = buildEvent(call({ secrets: [secret], requestBody: Buffer.from(body), requestText: body }, usageBody), deps(1024).deps);
    expect(e.request_body.includes(unicodeEscaped(secret.slice(0, 4)))).toBe(false);
  });

  it('never stores the part of a secret that the metadata headers\' clip (before any redaction) cut through (helper-76)', () => {
    const secret = `Zq9x${'t'.repeat(36)}`;
    const meta = readRequestMetadata({
      'periscope-user-id': `${'u'.repeat(985)}${secret}`,
      'periscope-property-foo': `${'p'.repeat(990)}${secret}`,
      'periscope-session-id': `${'s'.repeat(1006)}sk-proj-abcdefghijklmnop`,
      'periscope-session-name': 'short, kept whole',
    });
    const e = buildEvent(call({ meta, secrets: [secret] }, usageBody), deps().deps);
    for (const stored of [e.user_id, e.properties.foo!, e.session_id]) {
      expect({ secret: stored.includes(secret.slice(0, 8)), key: stored.includes('sk-proj'), kept: stored.length >= 900 }).toEqual({ secret: false, key: false, kept: true });
    }
    expect(e.session_name).toBe('short, kept whole');
  });

  it('keeps the row whatever a field holds: one whose redaction throws is stored as a notice, counted', async () => {
    const { deps: d, registry } = deps();
    // Not a value the gateway reads unclipped (the metadata headers are clipped): the guard behind the clips.
    const big = `Bearer${' '.repeat(9_000_000)}abcdefghijklmnopqrstuvwxyz`;
    const e = buildEvent(call({ meta: Object.assign(readRequestMetadata({}), { userId: big }) }, usageBody), d);
    expect(validateRequestEvent(e).ok).toBe(true);
    expect(e.user_id).toBe(WITHHELD_VALUE);
    expect(await registry.getSingleMetricAsString('periscope_stored_fields_withheld_total')).toContain('periscope_stored_fields_withheld_total{field="user_id"} 1');
  });

  it('stores the request as the text the gateway decoded to parse it, but from its bytes when a byte order mark leads them or they run past the stored length', () => {
    const { deps: d } = deps(100);
    const text = '{"q":"é"}';
    // A marker in place of the decoded text shows which one is stored.
    expect(buildEvent(call({ requestBody: Buffer.from(text), requestText: '{"decoded":1}' }, usageBody), d).request_body).toBe('{"decoded":1}');
    // The decoder drops a leading byte order mark; what is stored is what was sent.
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
    expect(buildEvent(call({ requestBody: bom, requestText: text }, usageBody), d).request_body).toBe(`\ufeff${text}`);
    const long = `{"q":"${'x'.repeat(100 + STORED_BODY_MARGIN)}"}`;
    const e = buildEvent(call({ requestBody: Buffer.from(long), requestText: '{"decoded":1}' }, usageBody), d);
    expect(e).toMatchObject({ request_body: long.slice(0, 100), request_truncated: true });
  });

  it('prices unknown models at 0, flags them and counts a warning', async () => {
    const { deps: d, registry } = deps();
    const body = JSON.stringify({ model: 'my-finetune-7b', usage: { prompt_tokens: 10, completion_tokens: 5 } });
    const e = buildEvent(call({ providerType: 'openai-compatible', provider: 'local', model: 'my-finetune-7b' }, body), d);
    expect(e).toMatchObject({ cost_usd: 0, cost_known: false, prompt_tokens: 10 });
    expect(await registry.getSingleMetricAsString('periscope_price_unknown_total')).toContain('model="my-finetune-7b"');
  });

  it('scrubs the call credentials from bodies and error messages', () => {
    const { deps: d } = deps();
    const e = buildEvent(call({
      status: 401, errorType: 'authentication', errorMessage: 'bad key weird-secret-value',
      secrets: ['weird-secret-value'], requestBody: Buffer.from('{"note":"weird-secret-value"}'),
    }, '{"error":{"message":"weird-secret-value"}}'), d);
    expect(JSON.stringify(e)).not.toContain('weird-secret-value');
  });

  it('stores no credential of the call that a body spells with JSON escapes or splits over an SSE event\'s data lines', () => {
    const { deps: d } = deps();
    const key = 'pool-configured-key-7f3a9c1e';
    const stream = `data: {"choices":[]}\n\nevent: error\ndata: {"error":{"message":"bad key pool-configured\ndata: -key-7f3a9c1e"}}\n\n`;
    const request = `{"messages":[{"role":"user","content":"my key is \\u0070ool-configured-key-7f3a9c1e"}]}`;
    const e = buildEvent(call({ secrets: [key], streamed: true, requestBody: Buffer.from(request) }, stream), d);
    expect(e.response_body).toBe('data: {"choices":[]}\n\nevent: error\ndata: {"error":{"message":"bad key [REDACTED]"}}\n\n');
    expect(e.request_body).toBe('{"messages":[{"role":"user","content":"my key is [REDACTED]"}]}');
  });

  it('stores no key that a body the gateway did not parse spells with an escape JSON lacks, from the request or the answer', () => {
    const { deps: d } = deps();
    const refused = '{"messages":[{"role":"user","content":"my key is s\\k-proj-abcdefghijklmnopqrstu"}], oops}';
    const answer = '{"error":{"message":"Incorrect API key provided: s\\k-proj-abcdefghijklmnopqrstu"}}';
    const e = buildEvent(call({ requestBody: Buffer.from(refused) }, answer), d);
    expect(e.request_body).toBe('{"messages":[{"role":"user","content":"my key is [REDACTED]"}], oops}');
    expect(e.response_body).toBe('{"error":{"message":"Incorrect API key provided: [REDACTED]"}}');
  });

  it('stores no escaped credential from a string that runs past the stored length', () => {
    const { deps: d } = deps(1024);
    const key = 'pool-configured-key-7f3a9c1e';
    const request = `{"messages":[{"role":"user","content":"${'a'.repeat(500)} my key is \\u0070ool-configured-key-7f3a9c1e ${'b'.repeat(3000)}"}]}`;
    const e = buildEvent(call({ secrets: [key], requestBody: Buffer.from(request) }, usageBody), d);
    expect(e.request_truncated).toBe(true);
    expect(e.request_body).toContain('my key is [REDACTED] bbb');
    expect(e.request_body).not.toContain('ool-configured');
  });

  it('stores no start of a key that a stream sends in pieces across the stored length', () => {
    const { deps: d } = deps(1024);
    const key = 'pool-configured-key-7f3a9c1e5b2d4a6f0e8c7b9x';
    const chunk = (piece: string) => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(piece)}}}]}\n\n`;
    const pieces = ['Filler text. '.repeat(6), 'The key is ', ...key, '.', ' More filler.'.repeat(40)];
    const stream = pieces.map(chunk).join('') + 'data: [DONE]\n\n';
    // The key's first pieces before the stored length, its last ones more than 1 KB past it.
    expect(stream.indexOf('"p"')).toBeLessThan(512);
    expect(stream.lastIndexOf('"x"')).toBeGreaterThan(2048);
    const response = new BodyCapture(1 << 20);
    response.keepForStoring(1024);
    response.add(Buffer.from(stream));
    const e = buildEvent(call({ secrets: [key], streamed: true, response }), d);
    expect(e.response_truncated).toBe(true);
    const joined = (responseContent('chat.completions', e.response_body, true) ?? []).flatMap((m) => m.parts.map((p) => String(p.content)));
    expect(joined.join('')).toContain('The key is [REDACTED]');
    expect(joined.join('')).not.toContain(key.slice(0, 4));
  });

  it('scrubs key-shaped strings and the call credentials from every metadata column readers see', async () => {
    const { deps: d, registry } = deps();
    const shaped = ['sk-proj-metaQ9w8e7r6t5y4u3i2o1p0', 'psk_metaabcdefghijklmnopqrstuv', 'sk-ant-api03-metaabcdefghijklmno', 'AKIAIOSFODNN7EXAMPLE'];
    const exact = 'client-own-weird-credential';
    const meta = readRequestMetadata({
      'periscope-user-id': shaped[0], 'periscope-session-id': `s ${shaped[1]}`, 'periscope-session-path': `/a/${shaped[2]}`,
      'periscope-session-name': `Bearer abcdefghijklmnopqrstuvwxyz`, [`periscope-property-${shaped[1]}`]: 'x',
      'periscope-property-team': `t ${shaped[3]} ${exact}`,
    });
    const e = buildEvent(call({
      meta, secrets: [exact], model: shaped[0], userAgent: `agent ${shaped[2]}`, upstreamRequestId: exact, fallbackModel: shaped[3],
      attemptLog: [{ model: shaped[0]!, provider: 'openai', upstream_model: `${shaped[0]}`, status: 200, error_type: '', duration_ms: 1 }],
    }, JSON.stringify({ model: shaped[0], usage: { prompt_tokens: 1, completion_tokens: 1 } })), d);
    const text = JSON.stringify(e) + (await registry.metrics());
    for (const secret of [...shaped, exact, 'abcdefghijklmnopqrstuvwxyz']) expect(text, secret).not.toContain(secret);
    expect(e).toMatchObject({ user_id: '[REDACTED]', session_path: '/a/[REDACTED]', model: '[REDACTED]', model_served: '[REDACTED]', properties: { team: 't [REDACTED] [REDACTED]' } });
    expect(validateRequestEvent(e).ok).toBe(true);
  });

  it('keeps ordinary metadata as it came (the same objects: nothing is copied when nothing changed)', () => {
    const { deps: d } = deps();
    const meta = readRequestMetadata({ 'periscope-user-id': 'alice@example.com', 'periscope-property-skip-cache': 'sk-short', 'periscope-session-path': '/agent/1.2' });
    const c = call({ meta, attemptLog: [{ model: 'gpt-4o-mini', provider: 'openai', upstream_model: 'gpt-4o-mini', status: 200, error_type: '', duration_ms: 3 }] }, usageBody);
    const e = buildEvent(c, d);
    expect(e.properties).toBe(meta.properties);
    expect(e.attempt_log).toBe(c.attemptLog);
    expect(e).toMatchObject({ user_id: 'alice@example.com', session_path: '/agent/1.2', model: 'gpt-4o-mini' });
  });

  describe('a long request redacted while the provider answers', () => {
    /** Past prepareStoredRequest's two nested immediates (it waits for one poll of the loop). */
    const turn = () => new Promise((resolve) => setImmediate(() => setImmediate(() => setImmediate(resolve))));
    /** An agent-sized request with `secret` quoted in it as an error body quotes a key, somewhere in the middle. */
    const longRequest = (random: () => number, secret: string) => {
      const filler = (n: number) => JSON.stringify('const x = "a\\nb"; // ' + 'word '.repeat(n));
      return `{"model":"gpt-4o-mini","messages":[{"role":"user","content":${filler(2000 + Math.floor(random() * 2000))}},{"role":"tool","content":${JSON.stringify(errorBodyQuoting(random, secret))}},{"role":"user","content":${filler(1500)}}]}`;
    };

    it('stores exactly what building the event alone stores, generated bodies and secrets (the call\'s own and key-shaped)', async () => {
      const random = seededRandom(0x5eed20);
      const { deps: d } = deps(64 * 1024);
      for (let i = 0; i < 60; i++) {
        const own = canaryKey(random);
        const text = longRequest(random, i % 2 ? own : `sk-proj-${'k'.repeat(24)}${i}`);
        const make = () => call({ requestBody: Buffer.from(text), requestText: i % 3 ? text : undefined, secrets: [own] });
        const prepared = make();
        prepareStoredRequest(prepared, 64 * 1024);
        await turn();
        expect(prepared.preparedRequest).toBeDefined();
        const direct = buildEvent(make(), d);
        const viaPrepared = buildEvent(prepared, d);
        expect(viaPrepared.request_body).toBe(direct.request_body);
        expect(viaPrepared.request_truncated).toBe(direct.request_truncated);
        expect(viaPrepared.request_body).not.toContain(own);
      }
    });

    it('is what the event stores, unless the call gained a secret since (a later attempt\'s provider key) or the limit differs', async () => {
      const { deps: d } = deps(64 * 1024);
      const providerKey = 'provider-key-0123456789abcdef';
      const text = longRequest(seededRandom(1), 'none').replace('"role":"tool"', `"role":"tool","name":"${providerKey}"`);
      const c = call({ requestBody: Buffer.from(text), requestText: text, secrets: ['gateway-key-abcdefgh'] });
      prepareStoredRequest(c, 64 * 1024);
      await turn();
      expect(c.preparedRequest?.body).toContain(providerKey);
      // Taken as computed (a marker stands for it here) while the secrets are the same.
      c.preparedRequest!.body = 'prepared';
      expect(buildEvent(c, d).request_body).toBe('prepared');
      expect(buildEvent(c, deps(32 * 1024).deps).request_body).not.toBe('prepared');
      c.secrets.push(providerKey);
      const e = buildEvent(c, d);
      expect(e.request_body).not.toContain(providerKey);
      expect(e.request_body).toContain('[REDACTED]');
    });

    it('leaves short bodies, omitted ones and calls already logged to the event', async () => {
      const long = longRequest(seededRandom(2), 'x'.repeat(8));
      const short = call({ requestBody: Buffer.alloc(16 * 1024 - 1, 0x61) });
      const omitted = call({ requestBody: Buffer.from(long), meta: readRequestMetadata({ 'periscope-omit-request': 'true' }) });
      const logged = call({ requestBody: Buffer.from(long) });
      for (const c of [short, omitted, logged]) prepareStoredRequest(c, 64 * 1024);
      logged.event = buildEvent(logged, deps().deps);
      await turn();
      expect([short.preparedRequest, omitted.preparedRequest, logged.preparedRequest]).toEqual([undefined, undefined, undefined]);
      const atLimit = call({ requestBody: Buffer.alloc(16 * 1024, 0x61) });
      prepareStoredRequest(atLimit, 64 * 1024);
      await turn();
      expect(atLimit.preparedRequest).toBeDefined();
    });
  });
});
