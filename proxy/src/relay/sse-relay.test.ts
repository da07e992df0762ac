import { describe, expect, it } from 'vitest';
import { attackCases, canaryKey, chunked, nestedJsonStrings, streamQuoting } from '@periscope/testkit';
import { seededRandom } from '../seeded-random.ts';
import { StreamUsageObserver } from '../usage/stream-observer.ts';
import { ProviderKeyScrubber } from './provider-key-scrubber.ts';
import { SseFramer } from './sse.ts';
import { SseRelay } from './sse-relay.ts';

function relay(chunks: Buffer[], opts: { stripUsage?: boolean; scrubber?: ProviderKeyScrubber } = {}) {
  const observer = new StreamUsageObserver('chat.completions');
  const sse = new SseRelay(observer, { stripUsage: opts.stripUsage ?? false, scrubber: opts.scrubber, recorder: undefined });
  const written = chunks.map((c) => sse.push(c));
  written.push(sse.end());
  return { written, text: written.map((w) => w.toString()).join(''), observer };
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
});
