import { describe, expect, it } from 'vitest';
import { copyWith } from './copy-with.ts';

describe('copyWith', () => {
  it('is the spread { ...source, ...fields }: same keys, same order, fields win', () => {
    const source = { type: 'text', text: 'hi', cache_control: null };
    const fields = { text: '', extra: 1 };
    const spread = { ...source, ...fields };
    const copy = copyWith(source, fields);
    expect(JSON.stringify(copy)).toBe(JSON.stringify(spread));
    expect(Object.keys(copy)).toEqual(['type', 'text', 'cache_control', 'extra']);
    expect(copy).not.toBe(source);
    expect(source.text).toBe('hi');
  });

  it('keeps a parsed "__proto__" key as data, as the spread does, and the prototype untouched', () => {
    const parsed = JSON.parse('{"a":1,"__proto__":{"polluted":true}}') as object;
    const copy = copyWith(parsed, { b: 2 });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect((copy as { polluted?: boolean }).polluted).toBeUndefined();
    expect(JSON.stringify(copy)).toBe(JSON.stringify({ ...parsed, b: 2 }));
    expect(JSON.stringify(copy)).toBe('{"a":1,"__proto__":{"polluted":true},"b":2}');
    const overridden = copyWith({ a: 1 }, JSON.parse('{"__proto__":{"polluted":true}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(overridden)).toBe(Object.prototype);
    expect(Object.keys(overridden)).toEqual(['a', '__proto__']);
  });

  it('copies fields alone when there is no source', () => {
    expect(copyWith(undefined, { include_usage: true })).toEqual({ include_usage: true });
  });
});
