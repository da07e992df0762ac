import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors.ts';
import { ExportSlots } from './export-slots.ts';

describe('ExportSlots', () => {
  it('lets each user run as many exports at once as allowed, and counts a slot given back once', () => {
    let limit = 2;
    const slots = new ExportSlots(() => limit);
    const first = slots.take('ann');
    slots.take('ann');
    const refused = (() => {
      try {
        slots.take('ann');
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).toMatchObject({ code: 'too_many_requests', status: 429 });
    expect(() => slots.take('bob')).not.toThrow();
    first();
    first();
    slots.take('ann');
    expect(() => slots.take('ann')).toThrow(/at most 2 at once/);
    limit = 3;
    expect(() => slots.take('ann')).not.toThrow();
  });
});
