import { describe, expect, it } from 'vitest';
import { trimTrailing } from './trim-trailing.ts';

describe('trimTrailing', () => {
  it('drops the run a text ends with, and only that', () => {
    expect(trimTrailing('https://a.example/v1///', '/')).toBe('https://a.example/v1');
    expect(trimTrailing('/v1//x', '/')).toBe('/v1//x');
    expect(trimTrailing('localhost..', '.')).toBe('localhost');
    expect(trimTrailing('///', '/')).toBe('');
    expect(trimTrailing('', '/')).toBe('');
  });
});
