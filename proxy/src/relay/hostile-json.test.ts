import { describe, expect, it } from 'vitest';
import { checkJsonDepth, checkNoPrototypeKeys, decodeUtf8 } from './hostile-json.ts';

describe('hostile JSON checks', () => {
  it('refuses invalid UTF-8 and keeps valid multi-byte text', () => {
    expect(() => decodeUtf8(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).toThrow(/UTF-8/);
    expect(decodeUtf8(Buffer.from('{"q":"你好 😀"}'))).toBe('{"q":"你好 😀"}');
  });

  it('refuses nesting past the limit, ignoring brackets inside strings', () => {
    expect(() => checkJsonDepth('['.repeat(129) + ']'.repeat(129))).toThrow(/deeper than 128/);
    expect(() => checkJsonDepth('['.repeat(128) + ']'.repeat(128))).not.toThrow();
    expect(() => checkJsonDepth(`{"a":"${'['.repeat(1000)}","b":"\\"["}`)).not.toThrow();
  });

  it('refuses __proto__ keys at any depth, also when escaped', () => {
    const text = '{"messages":[{"content":"x","__proto__":{"admin":true}}]}';
    expect(() => checkNoPrototypeKeys(text, JSON.parse(text))).toThrow(/__proto__/);
    const escaped = '{"\\u005f_proto__":{"x":1}}';
    expect(() => checkNoPrototypeKeys(escaped, JSON.parse(escaped))).toThrow(/__proto__/);
    const fine = '{"content":"talk about __proto__ freely"}';
    expect(() => checkNoPrototypeKeys(fine, JSON.parse(fine))).not.toThrow();
  });
});
