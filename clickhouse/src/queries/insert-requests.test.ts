import { describe, expect, it } from 'vitest';
import { makeEvent } from '../testing/fixtures.ts';
import { RecordingDriver } from '../testing/recording-driver.ts';
import { eventToRow, insertRequests } from './insert-requests.ts';

describe('insertRequests', () => {
  it('maps an event to one column per field, with event_version and a DateTime64 text', () => {
    const event = makeEvent({ created_at: Date.UTC(2026, 0, 2, 3, 4, 5, 6) });
    const row = eventToRow({ ...event, extra: 'dropped' } as typeof event);
    const { v, created_at: _createdAt, ...same } = event;
    expect(row).toEqual({ ...same, created_at: '2026-01-02 03:04:05.006', attempt_log: JSON.stringify(event.attempt_log), event_version: v });
  });

  it('passes the dedup token as insert_deduplication_token, and nothing without one', async () => {
    const driver = new RecordingDriver();
    await insertRequests(driver, [makeEvent()], { dedupToken: 'batch-7' });
    await insertRequests(driver, [makeEvent()]);
    expect(driver.calls.map((c) => [c.sql, c.settings])).toEqual([
      ['requests', { insert_deduplication_token: 'batch-7' }],
      ['requests', {}],
    ]);
  });

  it('writes nothing for an empty batch', async () => {
    const driver = new RecordingDriver();
    await insertRequests(driver, []);
    expect(driver.calls).toEqual([]);
  });

  it('refuses a batch holding an event that breaks the contract, naming it', async () => {
    const driver = new RecordingDriver();
    const bad = makeEvent({ request_id: 'req_bad', latency_ms: -1 });
    await expect(insertRequests(driver, [makeEvent(), bad])).rejects.toMatchObject({
      code: 'invalid_event',
      message: expect.stringMatching(/event 1 \(req_bad\): latency_ms/),
    });
    expect(driver.calls).toEqual([]);
  });
});
