import { describe, expect, it } from 'vitest';
import { uuidv7 } from './ids.ts';

describe('uuidv7', () => {
  it('is a version-7 UUID that sorts by time and never repeats', () => {
    const ids = Array.from({ length: 1000 }, (_, i) => uuidv7(1_795_600_000_000 + i));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('writes the time in its first 48 bits and keeps the random bits it drew', () => {
    const id = uuidv7(0x0123_4567_89ab);
    expect(id.slice(0, 13)).toBe('01234567-89ab');
    const ids = Array.from({ length: 600 }, () => uuidv7(0).replaceAll('-', '').slice(12));
    // 600 ids cross a refill of the random pool; 74 random bits each should never repeat.
    expect(new Set(ids).size).toBe(ids.length);
  });
});
