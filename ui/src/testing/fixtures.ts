import { makeEvent } from '@periscope/contract/testing';
import type { RequestDetail } from '../api-types.ts';

/**
 * A row as `GET /api/requests/:id` returns it, from the store's own event fixture; the
 * defaults here are what the UI tests read (a user, a property, a chat exchange).
 */
export function requestRow(overrides: Partial<RequestDetail> = {}): RequestDetail {
  const { event_version: _v, created_at, ...event } = makeEvent({
    created_at: Date.parse('2026-11-25T13:50:53.123Z'),
    latency_ms: 850,
    prompt_tokens: 1200,
    completion_tokens: 300,
    cost_usd: 0.00036,
    user_id: 'alice',
    properties: { team: 'search' },
    request_body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    response_body: JSON.stringify({ choices: [{ message: { role: 'assistant', content: 'Hello!' } }] }),
  });
  return { ...event, created_at: new Date(created_at).toISOString(), ...overrides };
}
