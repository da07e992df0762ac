import { describe, expect, it } from 'vitest';
import { checkJsonDepth, checkNoPrototypeKeys, decodeUtf8 } from './hostile-json.ts';

describe('hostile JSON checks', () => {
  it('refuses invalid UTF-8 and keeps valid multi-byte text', () => {
    expect(() => decodeUtf8(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]))).toThrow(/UTF-8/);
    expect(decodeUtf8(Buffer.from('{"q":"你好 😀"}'))).toBe('{"q":"你好 😀"}');
  });

  /** As the gateway checks a body: its bytes' depth, then the parsed value's keys. */
  const check = (text: string) => () => {
    checkJsonDepth(Buffer.from(text));
    checkNoPrototypeKeys(JSON.parse(text));
  };

  it('refuses nesting past the limit, in arrays and objects, ignoring brackets inside strings', () => {
    expect(check('['.repeat(129) + ']'.repeat(129))).toThrow(/deeper than 128/);
    expect(check('['.repeat(128) + ']'.repeat(128))).not.toThrow();
    expect(check('{"a":'.repeat(129) + '1' + '}'.repeat(129))).toThrow(/deeper than 128/);
    expect(check('{"a":'.repeat(128) + '1' + '}'.repeat(128))).not.toThrow();
    expect(check(`{"a":"${'['.repeat(1000)}","b":"\\"["}`)).not.toThrow();
    // A string ending in escaped backslashes closes at its quote; one with an escaped quote does not.
    expect(check(`{"a":"x\\\\\\\\","b":${'['.repeat(129)}${']'.repeat(129)}}`)).toThrow(/deeper than 128/);
    expect(check(`{"a":"x\\\\\\"${'['.repeat(129)}"}`)).not.toThrow();
    // Deep on one branch only, after wide siblings.
    expect(check(`{"wide":[${'[],'.repeat(5000)}[]],"deep":${'['.repeat(200)}${']'.repeat(200)}}`)).toThrow(/deeper than 128/);
  });

  it('refuses a body nested a million levels deep from its first 129 bytes, before anything parses it', () => {
    const deep = Buffer.from('['.repeat(1_000_000) + ']'.repeat(1_000_000));
    expect(() => checkJsonDepth(deep)).toThrow(/deeper than 128/);
    // Brackets inside multi-byte text and escaped quotes are not nesting.
    expect(check(`{"a":"é[😀${'['.repeat(200)}\\"${'{'.repeat(200)}"}`)).not.toThrow();
  });

  it('refuses __proto__ keys at any depth, also when escaped', () => {
    expect(check('{"messages":[{"content":"x","__proto__":{"admin":true}}]}')).toThrow(/__proto__/);
    expect(check('{"\\u005f_proto__":{"x":1}}')).toThrow(/__proto__/);
    expect(check('{"a":[[{"b":{"\\u005F\\u005Fproto\\u005f\\u005f":1}}]]}')).toThrow(/__proto__/);
    expect(check('{"content":"talk about __proto__ freely","proto":"__proto__"}')).not.toThrow();
    expect(check(`[${'{"a":1},'.repeat(100_000)}{"b":[{"__proto__":1}]}]`)).toThrow(/__proto__/);
  });
});
