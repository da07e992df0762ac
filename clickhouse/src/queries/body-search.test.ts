import { describe, expect, it } from 'vitest';
import { bodySearchCondition, jsonEscaped } from './body-search.ts';

describe('body search', () => {
  it('escapes a term as a JSON string written with ASCII-only escapes', () => {
    expect(jsonEscaped('plain')).toBe('plain');
    expect(jsonEscaped('say "hi"')).toBe('say \\"hi\\"');
    expect(jsonEscaped('你好')).toBe('\\u4f60\\u597d');
    expect(jsonEscaped('a\\b\n')).toBe('a\\\\b\\n');
  });

  it('searches the term and its escaped form in both bodies, as parameters', () => {
    const { condition, params } = bodySearchCondition('你好');
    expect(Object.values(params)).toEqual(['你好', '\\u4f60\\u597d']);
    expect(condition.match(/positionCaseInsensitiveUTF8/g)).toHaveLength(4);
    expect(condition).not.toContain('你好');
    expect(Object.values(bodySearchCondition('plain').params)).toEqual(['plain']);
  });
});
