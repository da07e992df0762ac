import { randomUUID } from 'node:crypto';
import { REQUEST_EVENT_V1_ADDITIONS, REQUEST_EVENT_VERSION, type RequestEvent } from '../events/request-event.ts';

let sequence = 0;

/** A plausible successful chat call; override what the test is about. */
export function makeEvent(overrides: Partial<RequestEvent> = {}): RequestEvent {
  sequence += 1;
  return {
    request_id: `req_${String(sequence).padStart(6, '0')}_${randomUUID().slice(0, 8)}`,
    event_version: REQUEST_EVENT_VERSION,
    created_at: Date.now() - 60_000,
    project_id: 'proj_default',
    key_id: 'key_1',
    provider: 'openai',
    model: 'gpt-4o-mini',
    model_served: 'gpt-4o-mini-2024-07-18',
    endpoint: 'chat.completions',
    status: 200,
    error_type: '',
    error_message: '',
    streamed: false,
    latency_ms: 420,
    ttft_ms: null,
    prompt_tokens: 12,
    completion_tokens: 34,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    reasoning_tokens: 0,
    cost_usd: 0.000123,
    cost_known: true,
    cache_status: 'miss',
    attempts: 1,
    user_id: '',
    session_id: '',
    session_path: '',
    session_name: '',
    properties: {},
    request_body: '{"messages":[{"role":"user","content":"hi"}]}',
    response_body: '{"choices":[{"message":{"content":"hello"}}]}',
    request_truncated: false,
    response_truncated: false,
    user_agent: 'OpenAI/JS 4.0.0',
    upstream_request_id: 'up_1',
    ...REQUEST_EVENT_V1_ADDITIONS,
    attempt_log: [{ model: 'gpt-4o-mini', provider: 'openai', upstream_model: 'gpt-4o-mini', status: 200, error_type: '', duration_ms: 410 }],
    ...overrides,
  };
}
