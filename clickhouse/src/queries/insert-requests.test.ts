import { describe, expect, it } from 'vitest';
import { makeEvent } from '../testing/fixtures.ts';
import { RecordingDriver } from '../testing/recording-driver.ts';
import { insertRequestRows, insertRequests } from './insert-requests.ts';
import { encodeRequestEvent } from '@periscope/contract';

const BASE = { input_format_skip_unknown_fields: 1, deduplicate_blocks_in_dependent_materialized_views: 1 };

describe('insertRequests', () => {
  it('sends each event as its encoded row, request_id first and event_version set', async () => {
    const driver = new RecordingDriver();
    const event = makeEvent({ created_at: Date.UTC(2026, 0, 2, 3, 4, 5, 6) });
    await insertRequests(driver, [event]);
    expect(driver.calls[0]!.rows).toEqual([event]);
    expect(Object.keys(driver.calls[0]!.rows![0]!)[0]).toBe('request_id');
  });

  it('passes the dedup token as insert_deduplication_token, and nothing without one', async () => {
    const driver = new RecordingDriver();
    await insertRequests(driver, [makeEvent()], { dedupToken: 'batch-7' });
    await insertRequests(driver, [makeEvent()]);
    expect(driver.calls.map((c) => [c.sql, c.settings])).toEqual([
      ['requests', { ...BASE, insert_deduplication_token: 'batch-7' }],
      ['requests', BASE],
    ]);
  });

  it('writes nothing for an empty batch', async () => {
    const driver = new RecordingDriver();
    await insertRequests(driver, []);
    await insertRequestRows(driver, []);
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

  it('passes encoded rows through as lines, byte for byte', async () => {
    const driver = new RecordingDriver();
    const events = [makeEvent(), makeEvent()];
    await insertRequestRows(driver, events.map(encodeRequestEvent), { dedupToken: 't' });
    expect(driver.calls[0]!.rows).toEqual(events);
  });
});
