import { describe, expect, it } from 'vitest';
import { upstreamBodyFor, type ParsedBody } from './request-body.ts';

const parsed = (json: Record<string, unknown>): ParsedBody => {
  const raw = Buffer.from(JSON.stringify(json));
  return { raw, text: raw.toString(), json, model: typeof json.model === 'string' ? json.model : undefined, stream: json.stream === true };
};

describe('upstreamBodyFor', () => {
  it('sends the body as received when nothing changes', () => {
    const body = parsed({ model: 'gpt-4o', messages: [] });
    expect(upstreamBodyFor(body, undefined, false)).toBe(body.raw);
    expect(upstreamBodyFor(body, 'gpt-4o', false)).toBe(body.raw);
  });

  it('renames the model in place, keeping the order of the other fields', () => {
    const body = parsed({ messages: [{ role: 'user', content: 'hi' }], model: 'alias', temperature: 0 });
    expect(upstreamBodyFor(body, 'gpt-4o', false)!.toString()).toBe('{"messages":[{"role":"user","content":"hi"}],"model":"gpt-4o","temperature":0}');
    expect(body.json!.model).toBe('alias');
  });

  it('asks for usage in a stream: merged into the client\'s stream_options, in place, or appended', () => {
    const withOptions = parsed({ model: 'alias', stream: true, stream_options: { include_obfuscation: false, include_usage: false }, n: 1 });
    expect(upstreamBodyFor(withOptions, 'gpt-4o', true)!.toString())
      .toBe('{"model":"gpt-4o","stream":true,"stream_options":{"include_obfuscation":false,"include_usage":true},"n":1}');
    expect(withOptions.json!.stream_options).toEqual({ include_obfuscation: false, include_usage: false });
    const renamedOnly = parsed({ model: 'alias', stream: true });
    expect(upstreamBodyFor(renamedOnly, 'gpt-4o', true)!.toString()).toBe('{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}');
    const appended = parsed({ model: 'gpt-4o', stream: true });
    expect(upstreamBodyFor(appended, undefined, true)!.toString()).toBe('{"model":"gpt-4o","stream":true,"stream_options":{"include_usage":true}}');
  });
});
