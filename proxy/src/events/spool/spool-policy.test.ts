import { describe, expect, it } from 'vitest';
import { parseSpoolFullPolicy } from './spool-policy.ts';

describe('parseSpoolFullPolicy', () => {
  it('defaults to drop-newest when unset or blank', () => {
    expect(parseSpoolFullPolicy(undefined)).toBe('drop-newest');
    expect(parseSpoolFullPolicy('  ')).toBe('drop-newest');
  });

  it('accepts both policies', () => {
    expect(parseSpoolFullPolicy('drop-newest')).toBe('drop-newest');
    expect(parseSpoolFullPolicy(' fail-calls ')).toBe('fail-calls');
  });

  it('rejects anything else, naming the valid values', () => {
    expect(() => parseSpoolFullPolicy('block')).toThrow('invalid spool-full policy "block": expected one of drop-newest, fail-calls');
    expect(() => parseSpoolFullPolicy('DROP-NEWEST')).toThrow(/invalid spool-full policy/);
  });
});
