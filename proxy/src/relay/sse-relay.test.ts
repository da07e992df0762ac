import { describe, expect, it, vi } from 'vitest';
import { attackCases, canaryKey, chunked, nestedJsonStrings, streamQuoting } from '@periscope/testkit';
import { seededRandom } from '../seeded-random.ts';
import { StreamUsageObserver } from '../usage/stream-observer.ts';
import { ProviderKeyScrubber } from './provider-key-scrubber.ts';
import { CHAIN_PLAIN_KEY, CHAIN_QUOTED_KEY, scrubChain } from '../testing/scrub-chain.ts';
import { SseFramer, type SseEvent } from './sse.ts';
import { isUsageOnlyChunk, mayReportError, SseRelay } from './sse-relay.ts';
import { StreamText } from './stream-text.ts';

type Endpoint = 'chat.completions' | 'messages' | 'responses';

function relay(chunks: Buffer[], opts: { stripUsage?: boolean; scrubber?: ProviderKeyScrubber; endpoint?: Endpoint } = {}) {
  const observer = new StreamUsageObserver(opts.endpoint ?? 'chat.completions');
  const sse = new SseRelay(observer, { stripUsage: opts.stripUsage ?? false, scrubber: opts.scrubber, recorder: undefined });
  const written = chunks.map((c) => sse.push(c));
  written.push(sse.end());
  return { written, text: written.map((w) => w.toString()).join(''), observer };
}

/** The events of a stream as the relay frames them from the same chunks. */
function eventsOf(chunks: Buffer[]): SseEvent[] {
  const framer = new SseFramer();
  const text = new StreamText();
  const events = chunks.flatMap((c) => framer.push(text.push(c)));
  events.push(...framer.push(text.end()));
  const tail = framer.flush();
  if (tail) events.push(tail);
  return events;
}

/**
 * What the relay wrote before it skipped parsing: every event's JSON parsed (onData), a usage
 * chunk hidden, an error-like event scrubbed, anything else as it came.
 */
function relayParsingEach(chunks: Buffer[], opts: { stripUsage: boolean; scrubber?: ProviderKeyScrubber; endpoint: Endpoint }) {
  const observer = new StreamUsageObserver(opts.endpoint);
  let out = '';
  for (const e of eventsOf(chunks)) {
    const json = observer.onData(e.data);
    if (opts.stripUsage && isUsageOnlyChunk(json)) continue;
    const { scrubber } = opts;
    out += scrubber && (mayReportError(e, json) || scrubber.holdsKey(e.event)) ? scrubber.scrubSseEvent(e.raw) : e.raw;
  }
  // With nothing to hide or scrub, each chunk is relayed as it came.
  return { text: opts.stripUsage || opts.scrubber ? out : Buffer.concat(chunks).toString(), observer };
}

/** A JSON string literal of a text that may quote the key: plainly, with an escape inside it, or not at all; other escapes around. */
function textLiteral(random: () => number, key: string): string {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const quoted = pick([
    () => JSON.stringify(key),
    () => JSON.stringify(key).replace(/^"(.)/, (_m, c: string) => `"\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    () => `"${key.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}"`,
    () => '"' + key.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('/', '\\/') + '"',
    // A letter escaped as itself: invalid JSON, read leniently (readLiteral) as the letter.
    () => '"' + key.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replace(/[a-z]/, (c) => `\\${c}`) + '"',
    () => JSON.stringify(JSON.stringify(key)),
    () => JSON.stringify(`{"m":"${key.replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`)}"}`),
    () => '"Hello"',
    () => '"line one\\nline two \\"quoted\\" \\u00e9"',
    () => '""',
  ])();
  return quoted;
}

/** One event's data: chat chunks with every kind of `usage`, Anthropic's and the Responses API's events, [DONE], text that is not JSON. */
function eventData(random: () => number, key: string): string {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const lit = () => textLiteral(random, key);
  const usage = pick(['', ',"usage":null', ',"usage": null', ',"usage"\t:\tnull', ',"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}', ',"usage":0', ',"usage":1',
    ',"usage":""', ',"usage":"x"', ',"usage":[]', ',"usage":true', ',"usage":false', ',"usage":{}', ',"usage":nul', ',"us\\u0061ge":{"prompt_tokens":4}', ',"usage":{"prompt_tokens":1},"usage":null', ',"usage":null,"usage":{"prompt_tokens":6}']);
  const choices = pick(['[]', `[{"index":0,"delta":{"content":${lit()}},"finish_reason":null}]`, `[{"index":0,"delta":{"role":"assistant","content":""}}]`]);
  return pick([
    () => `{"id":"chatcmpl-1","object":"chat.completion.chunk","model":${pick(['"gpt-4o-mini"', '"gpt-\\u0034o"', '5', lit()])},"choices":${choices}${usage}}`,
    () => `{"id":"chatcmpl-1","choices":${choices}${usage}}`,
    () => `{"error":{"message":"quota",${pick(['"code":null', `"detail":${lit()}`])}}}`,
    () => `{"error":null,"choices":${choices}}`,
    () => '{"type":"message_start","message":{"id":"msg_1","model":"claude-haiku-4-5","usage":{"input_tokens":9,"output_tokens":1}}}',
    () => `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${lit()}}}`,
    () => '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}',
    () => '{"type":"message_stop"}',
    () => `{"type":"error","error":{"type":"overloaded_error","message":${lit()}}}`,
    () => `{"type":"response.output_text.delta","delta":${lit()}}`,
    () => '{"type":"response.completed","response":{"id":"resp_1","model":"gpt-4.1","usage":{"input_tokens":5,"output_tokens":6}}}',
    () => `{"type":"response.failed","response":{"id":"resp_1","error":{"message":${lit()}}}}`,
    () => `{"type":"${pick(['response.completed', 'response.incomplete', 'response.failed', 'message_stop'])}","sequence_number":9}`,
    () => '[DONE]',
    () => `Internal error: ${pick([key, 'none'])}`,
    () => `{"truncated":${lit()}`,
  ])();
}

/** An event around the data: a name, a comment or an id sometimes (quoting the key or not), the data cut over two lines sometimes, any line ending. */
function eventText(random: () => number, key: string): string {
  const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;
  const data = eventData(random, key);
  const eol = pick(['\n', '\r\n', '\r']);
  const at = data.indexOf(key);
  const cut = random() < 0.25 ? (at >= 0 && random() < 0.7 ? at + 1 + Math.floor(random() * (key.length - 1)) : Math.floor(random() * data.length)) : -1;
  const lines = cut < 0 ? [`data: ${data}`] : [`data: ${data.slice(0, cut)}`, `data:${data.slice(cut)}`];
  if (random() < 0.2) lines.unshift(`event: ${pick(['error', 'content_block_delta', 'response.failed', key])}`);
  if (random() < 0.1) lines.push(pick([`: ${key}`, ': keep-alive', 'id: 7']));
  return lines.join(eol) + eol + eol;
}

/** What a client's SSE parser makes of the stream: each event's data, its lines joined as the spec says and without separators, and any JSON strings in it. */
function clientViews(text: string): string[] {
  const framer = new SseFramer();
  const events = framer.push(text);
  const tail = framer.flush();
  if (tail) events.push(tail);
  const views = [text];
  for (const e of events) {
    const lines = e.raw.split(/\r\n|\n|\r/).filter((l) => l.startsWith('data:')).map((l) => l.slice(l.startsWith('data: ') ? 6 : 5));
    views.push(lines.join('\n'), lines.join(''));
    for (const data of [lines.join('\n'), lines.join('')]) {
      try {
        views.push(JSON.stringify(JSON.parse(data)), ...nestedJsonStrings(JSON.parse(data)));
      } catch {
        // not JSON: the raw views above are what a client sees
      }
    }
  }
  return views;
}

const chunk = (s: string) => Buffer.from(s);
const usageOnly = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}\n\n';
const delta = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\n';

describe('SseRelay', () => {
  it('relays chunks as the same buffers when there is nothing to hide or scrub', () => {
    const chunks = [chunk(delta.slice(0, 10)), chunk(delta.slice(10) + usageOnly)];
    const { written, observer } = relay(chunks);
    expect(written.slice(0, 2)).toEqual(chunks);
    expect(written[0]).toBe(chunks[0]);
    expect(observer.observed.sawUsage).toBe(true);
  });

  it('relays a chunk that ends on an event boundary as the same buffer even while scrubbing, and holds back a partial event', () => {
    const scrubber = new ProviderKeyScrubber(['sk-configured-key-123456']);
    const whole = chunk(delta + delta);
    const { written } = relay([whole, chunk(delta.slice(0, 20)), chunk(delta.slice(20))], { scrubber });
    expect(written[0]).toBe(whole);
    expect(written[1]).toBe('');
    expect(written[2]).toBe(delta);
  });

  it('hides the injected usage chunk wherever the chunks are cut', () => {
    const stream = delta + usageOnly + 'data: [DONE]\n\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const { text, observer } = relay([chunk(stream.slice(0, cut)), chunk(stream.slice(cut))], { stripUsage: true });
      expect(text, `cut at ${cut}`).toBe(delta + 'data: [DONE]\n\n');
      expect(observer.observed.usage.prompt_tokens).toBe(3);
    }
  });

  it('scrubs an Anthropic event: error cut at every byte, and leaves the answer before it untouched', () => {
    const key = 'sk-ant-api03-configuredconfigured';
    const scrubber = new ProviderKeyScrubber([key]);
    const start = 'event: content_block_delta\ndata: {"type":"content_block_delta","delta":{"type":"text_delta","text":"Hel"}}\n\n';
    const error = `event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded (x-api-key: ${key})"}}\n\n`;
    for (let cut = 1; cut < (start + error).length; cut++) {
      const all = start + error;
      const { text } = relay([chunk(all.slice(0, cut)), chunk(all.slice(cut))], { scrubber });
      expect(text.startsWith(start), `cut at ${cut}`).toBe(true);
      expect(text, `cut at ${cut}`).not.toContain(key);
      expect(text).toContain('"message":"Overloaded (x-api-key: [REDACTED])"');
    }
  });

  const cases = attackCases(2000);
  it('scrubs a key in a comment, an id or another field of any event ([DONE], a normal chunk, a named one), and relays events without one as they came', () => {
    const random = seededRandom(0x1d5);
    const carriers = [(k: string) => `: ${k}`, (k: string) => `:${k}`, (k: string) => `id: ${k}`, (k: string) => `retry: ${k}`, (k: string) => `x-debug: ${k}`, (k: string) => `data${k}`];
    const bodies = ['data: [DONE]', 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}', 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"hi"}}'];
    for (let i = 0; i < 600; i++) {
      const key = canaryKey(random);
      const eol = ['\n', '\r\n', '\r'][i % 3]!;
      const body = bodies[Math.floor(random() * bodies.length)]!.replaceAll('\n', eol);
      const carrier = carriers[Math.floor(random() * carriers.length)]!(key);
      const marked = random() < 0.5 ? carrier + eol + body : body + eol + carrier;
      const stream = delta + marked + eol + eol + delta;
      const { text } = relay(chunked(random, stream), { scrubber: new ProviderKeyScrubber([key]) });
      expect(text.includes(key), `case ${i}: ${JSON.stringify(stream)} -> ${JSON.stringify(text)}`).toBe(false);
      expect(text.startsWith(delta) && text.endsWith(delta), `case ${i}`).toBe(true);
    }
  });

  it('scrubs a key in an event\'s name, and one cut where a boundary-less flood is passed through', () => {
    const key = 'sk-proj-floodCanary0123456789abcdef';
    const scrubber = new ProviderKeyScrubber([key]);
    for (const named of [`event: ${key}\n${delta}`, `event: error ${key}\ndata: [DONE]\n\n`]) {
      const { text } = relay([chunk(named)], { scrubber });
      expect(text).not.toContain(key);
    }
    for (const cut of [1, 10, key.length - 1]) {
      const { text } = relay([chunk(': ' + 'x'.repeat(8 * 1024 * 1024) + key.slice(0, cut)), chunk(key.slice(cut) + '\n\n' + delta)], { scrubber });
      expect(text.includes(key), `cut ${cut}`).toBe(false);
      expect(text.endsWith(delta)).toBe(true);
    }
  });

  it(`generated: no key in an error event comes out, however the stream is cut into chunks (${cases} cases, fixed seed)`, () => {
    const random = seededRandom(14_05);
    for (let i = 0; i < cases; i++) {
      const key = canaryKey(random);
      const stream = streamQuoting(random, key);
      const chunks = chunked(random, stream);
      const { text } = relay(chunks, { scrubber: new ProviderKeyScrubber([canaryKey(random), key]) });
      for (const view of clientViews(text)) expect(view.includes(key), `case ${i}: ${JSON.stringify(stream)} -> ${JSON.stringify(text)}`).toBe(false);
      // The events before the error come through byte for byte.
      expect(text.slice(0, stream.indexOf('\n\n') + 2), `case ${i}`).toBe(stream.slice(0, stream.indexOf('\n\n') + 2));
    }
  }, Math.max(20_000, cases * 5));

  it(`generated: the same text and the same usage as with every event parsed, whatever the events, the chunks and the options (${cases} cases, fixed seed)`, () => {
    const random = seededRandom(0x5e1a);
    const endpoints: Endpoint[] = ['chat.completions', 'messages', 'responses'];
    for (let i = 0; i < cases; i++) {
      // Sometimes a key with a quote, or a backslash before a letter of a short escape: JSON spells
      // either with escapes a model's text uses too (`\"`, `\\n`).
      const odd = random();
      const plain = () => canaryKey(random).replace(/["\\\\]/g, '');
      const key = odd < 0.1 ? `sk-quote"${plain()}` : odd < 0.2 ? `sk-back\\${'nrtbf'[Math.floor(random() * 5)]}${plain()}` : canaryKey(random);
      let stream = '';
      for (let n = 1 + Math.floor(random() * 6); n > 0; n--) stream += eventText(random, key);
      if (random() < 0.3) stream += streamQuoting(random, key);
      const opts = { stripUsage: random() < 0.5, scrubber: random() < 0.8 ? new ProviderKeyScrubber([key, canaryKey(random)]) : undefined, endpoint: endpoints[i % 3]! };
      const chunks = chunked(random, stream);
      const got = relay(chunks, opts);
      const want = relayParsingEach(chunks, opts);
      const label = `case ${i}: ${JSON.stringify(opts.endpoint)} strip=${opts.stripUsage} scrub=${!!opts.scrubber} ${JSON.stringify(stream)}`;
      expect(got.text, label).toBe(want.text);
      expect(got.observer.observed, label).toEqual(want.observer.observed);
      expect([got.observer.ended, got.observer.streamError], label).toEqual([want.observer.ended, want.observer.streamError]);
    }
  }, Math.max(20_000, cases * 5));

  it('parses no event of an ordinary stream but the first (its served model), while scrubbing and hiding the usage chunk', () => {
    const scrubber = new ProviderKeyScrubber(['sk-proj-configuredconfiguredconfigured']);
    const chunkWith = (content: string) => `data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":${JSON.stringify(content)}}}],"usage":null}\n\n`;
    const stream = chunkWith('') + chunkWith('Hello') + chunkWith(' there') + usageOnly + 'data: [DONE]\n\n';
    const observer = new StreamUsageObserver('chat.completions');
    const parse = vi.spyOn(observer, 'onData');
    const sse = new SseRelay(observer, { stripUsage: true, scrubber, recorder: undefined });
    const text = [sse.push(chunk(stream)), sse.end()].map(String).join('');
    expect(text).toBe(stream.replace(usageOnly, ''));
    expect(observer.observed).toMatchObject({ model_served: 'gpt-4o-mini', sawUsage: true });
    // The first chunk for its model, the usage chunk to hide it.
    expect(parse).toHaveBeenCalledTimes(2);
  });

  it('scrubs a key the flood\'s pass-through would cut in two, wherever it straddles the cut (helper-69)', () => {
    const key = 'sk-proj-AbCdEfGh1234567890';
    const scrubber = new ProviderKeyScrubber([key]);
    const flood = 8 * 1024 * 1024;
    // The pass-through keeps the flood's last 4,096 characters back: a key starting 4,097 to
    // 4,096 + its length - 1 characters before the end straddles the cut.
    for (const fromEnd of [4097, 4096 + key.length / 2, 4096 + key.length - 1]) {
      const text = 'data: ' + 'x'.repeat(flood - fromEnd + key.length) + key + 'x'.repeat(fromEnd - key.length);
      for (const chunks of [[text], [text.slice(0, flood - 10), text.slice(flood - 10)]]) {
        const { text: out } = relay([...chunks, '\n\ndata: [DONE]\n\n'].map(chunk), { scrubber });
        expect(out.includes(key), `key ${fromEnd} from the end`).toBe(false);
        expect(out.endsWith('[REDACTED]' + 'x'.repeat(fromEnd - key.length) + '\n\ndata: [DONE]\n\n')).toBe(true);
      }
    }
  });

  it('ends what the client reads where a flood is withheld, so the piece before cannot join the text after (helper-73)', () => {
    const plain = CHAIN_PLAIN_KEY;
    const scrubber = new ProviderKeyScrubber([plain, CHAIN_QUOTED_KEY]);
    // A chain the scrubber withholds makes the second flood's text.
    const chain = scrubChain(3);
    const flood = 8 * 1024 * 1024 + 1;
    // The first piece passed through ends with the key's first half; the rest comes after the withheld flood.
    const first = 'data: ' + 'x'.repeat(flood - 6 - 4096 - 11) + plain.slice(0, 11) + 'x'.repeat(4096);
    const { written, text } = relay([chunk(first), chunk('y'.repeat(flood) + chain), chunk(plain.slice(11) + '\n\n' + delta)], { scrubber });
    expect(text).not.toContain(plain);
    // The first piece went as it came (no key in it); the flood withheld (its carry with it) as an event boundary.
    expect(written[0]!.toString()).toBe(first.slice(0, -4096));
    expect(text).toBe(first.slice(0, -4096) + '\n\n' + plain.slice(11) + '\n\n' + delta);
  });

  it('scrubs a flood that is one literal of 9M characters with escapes, where a pattern threw a RangeError and cut the stream (helper-73)', () => {
    const key = 'sk-proj-longliteral0123456789';
    const scrubber = new ProviderKeyScrubber([key]);
    const spelled = `\\u0073${key.slice(1)}`;
    const text = `data: {"a":"\\n${'x'.repeat(9_000_000)} ${spelled} ${'y'.repeat(5000)}"}`;
    const { text: out } = relay([chunk(text), chunk('\n\n' + delta)], { scrubber });
    // Compared short: a failing comparison of nine million characters would print them all.
    const end = `x [REDACTED] ${'y'.repeat(5000)}"}\n\n${delta}`;
    expect({ key: out.includes(key) || out.includes(spelled), length: out.length, end: out.endsWith(end) })
      .toEqual({ key: false, length: text.length - spelled.length + '[REDACTED]'.length + 2 + delta.length, end: true });
  });

  it('leaves to the scrubber a boundary-less flood, whose pass-through may hold several data lines', () => {
    const key = 'sk-proj-floodfloodfloodflood0123';
    const scrubber = new ProviderKeyScrubber([key]);
    const flood = `data: ${key.slice(0, 10)}\ndata: ${key.slice(10)}`;
    expect(scrubber.leavesSseEvent({ raw: flood, event: '', data: '', other: true })).toBe(false);
    expect(scrubber.leavesSseEvent({ raw: 'data: {"a":1}\n\n', event: '', data: '{"a":1}', other: false })).toBe(true);
  });
});
