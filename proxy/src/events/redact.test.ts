import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact.ts';

describe('redactSecrets', () => {
  it('scrubs key-shaped strings of common providers', () => {
    const text = [
      'openai sk-proj-abcdefghijklmnopqrstuvwx', 'anthropic sk-ant-api03-abcdefghijklmnopqrstuv', 'google AIzaSyA1234567890abcdefghijklmnopqrstuv',
      'aws AKIAIOSFODNN7EXAMPLE', 'header Authorization: Bearer abc.def.ghijklmnopqrs', 'gateway psk_abcdefghijklmnopqrstuvwxyz',
    ].join('\n');
    const out = redactSecrets(text);
    expect(out).not.toMatch(/sk-proj-a|sk-ant-a|AIzaSy|AKIAIOS|abc\.def|psk_abc/);
    expect(out.match(/\[REDACTED\]/g)).toHaveLength(6);
  });

  it('scrubs the exact credentials of the call whatever their shape', () => {
    expect(redactSecrets('echo: my-weird-key-123 here', ['my-weird-key-123'])).toBe('echo: [REDACTED] here');
  });

  it('leaves ordinary text alone', () => {
    const text = 'The skeleton key sk- is short; Bearer authentication is fine; tokens: 42';
    expect(redactSecrets(text)).toBe(text);
  });
});
