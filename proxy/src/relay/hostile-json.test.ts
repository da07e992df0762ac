import { describe, expect, it } from 'vitest';
import { checkParsedJson, decodeUtf8 } from './hostile-json.ts';

describe('hostile JSON checks', () => {
  it('refuses invalid UTF-8 and keeps valid multi-byte text', () => {
    expect(() => decodeUtf8(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).toThrow(/UTF-8/);
    expect(decodeUtf8(Buffer.from('{"q":"你好 😀"}'))).toBe('{"q":"你好 😀"}');
  });

  const check = (text: string) => () => checkParsedJson(JSON.parse(text));

  it('refuses nesting past the limit, in arrays and objects, ignoring brackets inside strings', () => {
    expect(check('['.repeat(129) + ']'.repeat(129))).toThrow(/deeper than 128/);
    expect(check('['.repeat(128) + ']'.repeat(128))).not.toThrow();
    expect(check('{"a":'.repeat(129) + '1' + '}'.repeat(129))).toThrow(/deeper than 128/);
    expect(check('{"a":'.repeat(128) + '1' + '}'.repeat(128))).not.toThrow();
    expect(check(`{"a":"${'['.repeat(1000)}","b":"\\"["}`)).not.toThrow();
    // Deep on one branch only, after wide siblings.
    expect(check(`{"wide":[${'[],'.repeat(5000)}[]],"deep":${'['.repeat(200)}${']'.repeat(200)}}`)).toThrow(/deeper than 128/);
  });

  it('is safe on a body nested a million levels deep: parsed without recursion, refused at once', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    expect(check(deep)).toThrow(/deeper than 128/);
  });

  it('refuses __proto__ keys at any depth, also when escaped', () => {
    expect(check('{"messages":[{"content":"x","__proto__":{"admin":true}}]}')).toThrow(/__proto__/);
    expect(check('{"\\u005f_proto__":{"x":1}}')).toThrow(/__proto__/);
    expect(check('{"a":[[{"b":{"\\u005F\\u005Fproto\\u005f\\u005f":1}}]]}')).toThrow(/__proto__/);
    expect(check('{"content":"talk about __proto__ freely","proto":"__proto__"}')).not.toThrow();
  });
});
