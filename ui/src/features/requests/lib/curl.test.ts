import { describe, expect, it } from 'vitest';
import { requestRow } from '../../../testing/fixtures.ts';
import { buildCurl, redactSecrets, shellQuote } from './curl.ts';

const SECRETS = [
  'sk-proj-abcdefghijklmnop1234567890',
  'sk-ant-api03-abcdefghijklmnopqrstuvwxyz',
  'psk_live_AbCdEfGhIjKlMnOpQrSt',
  'pat_0123456789abcdefghij',
  'AIzaSyA1234567890abcdefghijklmnopqrs',
  'AKIAABCDEFGHIJKLMNOP',
  'gsk_configuredgroqkey1234567890',
];

describe('buildCurl', () => {
  it('repeats the call against the gateway with the key placeholder and metadata headers', () => {
    const row = requestRow({ session_id: 's-1', session_path: '/plan/step-1', session_name: "Bob's run", streamed: true });
    const curl = buildCurl(row, 'http://127.0.0.1:8787/');
    expect(curl).toContain("curl -N -X POST 'http://127.0.0.1:8787/v1/chat/completions'");
    expect(curl).toContain('-H "Periscope-Auth: Bearer $PERISCOPE_KEY"');
    expect(curl).toContain("-H 'Periscope-User-Id: alice'");
    expect(curl).toContain("-H 'Periscope-Session-Path: /plan/step-1'");
    expect(curl).toContain(`-H 'Periscope-Session-Name: Bob'\\''s run'`);
    expect(curl).toContain("-H 'Periscope-Property-team: search'");
    expect(curl).toContain('"content": "hi"');
    expect(curl).not.toMatch(/Authorization|x-api-key/i);
  });

  it('never contains a secret, wherever it hid in the row', () => {
    for (const secret of SECRETS) {
      const row = requestRow({
        request_body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: `my key is ${secret}` }], api_key: secret }),
        user_id: `user ${secret}`,
        properties: { note: `Bearer ${secret}` },
      });
      const curl = buildCurl(row, 'http://localhost:8787');
      expect(curl, secret).not.toContain(secret);
      expect(curl).toContain('[REDACTED]');
    }
  });

  it('uses the Anthropic path and version, and names providers the model cannot route', () => {
    const curl = buildCurl(requestRow({ endpoint: 'messages', provider: 'anthropic' }), 'http://h');
    expect(curl).toContain("'http://h/v1/messages'");
    expect(curl).toContain("anthropic-version: 2023-06-01");
    expect(curl).not.toContain('Periscope-Provider');
    expect(buildCurl(requestRow({ provider: 'groq' }), 'http://h')).toContain("-H 'Periscope-Provider: groq'");
  });

  it('says when the stored body is incomplete', () => {
    expect(buildCurl(requestRow({ request_truncated: true }), 'http://h')).toMatch(/^# The stored request body was truncated/);
    expect(buildCurl(requestRow({ request_body: '' }), 'http://h')).toMatch(/not stored/);
  });
});

describe('helpers', () => {
  it('quotes for the shell and redacts bearer tokens', () => {
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(redactSecrets('Authorization: Bearer abcdefghijkl')).toBe('Authorization: Bearer [REDACTED]');
    expect(redactSecrets('Bearer $PERISCOPE_KEY')).toBe('Bearer $PERISCOPE_KEY');
  });
});
