import { Linter } from 'eslint';
import { describe, expect, it } from 'vitest';
import { periscopePlugin } from './index.js';

const linter = new Linter({ configType: 'flat' });
const config = [{ plugins: { periscope: periscopePlugin }, rules: { 'periscope/no-properties-after-leading-spread': 'error' as const } }];
const flagged = (code: string) => linter.verify(code, config).map((m) => m.ruleId);

describe('periscope/no-properties-after-leading-spread', () => {
  it('flags a literal that starts with a spread and sets more properties', () => {
    expect(flagged('const a = {}; const b = { ...a, c: 1 };')).toEqual(['periscope/no-properties-after-leading-spread']);
    expect(flagged('const a = {}; const b = { ...a, ...a };')).toEqual(['periscope/no-properties-after-leading-spread']);
    expect(flagged('const a = {}; const b = { ...a, f() {} };')).toEqual(['periscope/no-properties-after-leading-spread']);
    expect(flagged('const a = {}; const b = Object.assign({ ...a }, { c: 1 });')).toEqual(['periscope/no-properties-after-leading-spread']);
  });

  it('leaves a lone spread, a literal that starts with a property, and Object.assign', () => {
    expect(flagged('const a = {}; const b = { ...a };')).toEqual([]);
    expect(flagged('const a = {}; const b = { c: 1, ...a };')).toEqual([]);
    expect(flagged('const a = {}; const b = { c: 1, ...a, d: 2 };')).toEqual([]);
    expect(flagged('const a = {}; const b = Object.assign({}, a, { c: 1 });')).toEqual([]);
    expect(flagged('const a = {}; const b = Object.assign({ ...a });')).toEqual([]);
    expect(flagged('const a = []; const b = [...a, 1];')).toEqual([]);
  });
});
