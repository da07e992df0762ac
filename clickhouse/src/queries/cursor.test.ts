import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from './cursor.ts';

describe('cursor', () => {
  it('round-trips a position through an URL-safe string', () => {
    const position = { createdAtMs: 1_795_614_653_123, requestId: "req/with+odd='chars'?", projectId: 'proj_ü' };
    const cursor = encodeCursor(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor(cursor)).toEqual(position);
  });

  it.each([
    ['', 'empty'],
    ['%%%', 'not base64url'],
    [Buffer.from('{"a":1}').toString('base64url'), 'an object'],
    [Buffer.from('[1,"r"]').toString('base64url'), 'too short'],
    [Buffer.from('[-1,"r","p"]').toString('base64url'), 'negative time'],
    [Buffer.from('[1.5,"r","p"]').toString('base64url'), 'fractional time'],
    [Buffer.from('[1,2,"p"]').toString('base64url'), 'numeric id'],
  ])('rejects %j (%s) as invalid_cursor', (cursor) => {
    expect(() => decodeCursor(cursor)).toThrow(expect.objectContaining({ code: 'invalid_cursor', status: 400 }));
  });
});
