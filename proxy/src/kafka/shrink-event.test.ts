import { describe, expect, it } from 'vitest';
import type { RequestEvent } from '@periscope/contract';
import { makeEvent } from '@periscope/contract/testing';
import { BODY_TOO_LARGE_FOR_KAFKA, shrunkEventValue } from './shrink-event.ts';

const decode = (value: Buffer | undefined) => (value === undefined ? undefined : (JSON.parse(value.toString()) as RequestEvent));

describe('shrunkEventValue', () => {
  it('clips, then withholds, then gives up, each step changing the event: a body cut inside a character ends the steps too', () => {
    // 'é' is two bytes: 64 KB cuts one in two, and the clip ends in U+FFFD.
    const event = makeEvent({ request_body: `x${'é'.repeat(40_000)}`, response_body: 'short' });
    const clipped = decode(shrunkEventValue(Buffer.from(JSON.stringify(event))))!;
    expect([clipped.request_body.endsWith('\ufffd'), clipped.request_truncated, clipped.response_body, clipped.response_truncated]).toEqual([true, true, 'short', false]);
    const withheld = decode(shrunkEventValue(Buffer.from(JSON.stringify(clipped))))!;
    expect([withheld.request_body, withheld.response_body, withheld.request_truncated]).toEqual([BODY_TOO_LARGE_FOR_KAFKA, BODY_TOO_LARGE_FOR_KAFKA, true]);
    expect(shrunkEventValue(Buffer.from(JSON.stringify(withheld)))).toBeUndefined();
    // Empty bodies stay empty (an omitted body is not withheld): nothing to take.
    expect(shrunkEventValue(Buffer.from(JSON.stringify(makeEvent({ request_body: '', response_body: '' }))))).toBeUndefined();
    expect(shrunkEventValue(Buffer.from('{not an event'))).toBeUndefined();
  });

  it('withholds a long streamed response rather than clip it: its readers would read other events without its end (helper-75)', () => {
    const event = makeEvent({ streamed: true, request_body: 'q'.repeat(100_000), response_body: `data: ${'x'.repeat(100_000)}\n\n` });
    const step = decode(shrunkEventValue(Buffer.from(JSON.stringify(event))))!;
    expect([step.request_body.length, step.request_truncated, step.response_body, step.response_truncated]).toEqual([64 * 1024, true, BODY_TOO_LARGE_FOR_KAFKA, false]);
    // Told by its data lines too: a provider may label SSE as JSON (helper-76).
    const labelled = decode(shrunkEventValue(Buffer.from(JSON.stringify(Object.assign({}, event, { streamed: false })))))!;
    expect(labelled.response_body).toBe(BODY_TOO_LARGE_FOR_KAFKA);
    // A short streamed response is left as it is at the first step.
    const short = decode(shrunkEventValue(Buffer.from(JSON.stringify(makeEvent({ streamed: true, request_body: 'q'.repeat(100_000), response_body: 'data: [DONE]\n\n' })))))!;
    expect(short.response_body).toBe('data: [DONE]\n\n');
  });
});
