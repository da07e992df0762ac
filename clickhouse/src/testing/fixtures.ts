import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REQUEST_EVENT_V1_ADDITIONS, REQUEST_EVENT_VERSION, type RequestEvent } from '../contract/index.ts';
import type { AccountRecord, GatewayKeyRecord } from '../store.ts';

/** A project of its own per test, so tests sharing a database never see each other's rows. */
export function newProjectId(label = 'proj'): string {
  return `${label}_${randomUUID().slice(0, 8)}`;
}

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

export function makeKey(overrides: Partial<GatewayKeyRecord> = {}): GatewayKeyRecord {
  const id = randomUUID().slice(0, 8);
  return {
    key_id: `key_${id}`,
    project_id: 'proj_default',
    name: 'default',
    prefix: `psk_live_${id.slice(0, 4)}`,
    key_hash: randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', ''),
    created_at: Date.now() - 1_000,
    expires_at: null,
    revoked_at: null,
    allowed_models: [],
    limits: {},
    ...overrides,
  };
}

export function makeAccount(overrides: Partial<AccountRecord> = {}): AccountRecord {
  const id = randomUUID();
  return {
    account_id: id,
    email: `user-${id.slice(0, 8)}@example.com`,
    name: 'Test User',
    role: 'member',
    project_ids: [],
    password_hash: 'scrypt$test',
    created_at: Date.now() - 1_000,
    updated_at: Date.now() - 1_000,
    ...overrides,
  };
}

/** A connection of this process to an open store's data directory (chDB lets one process open several). */
async function withSession<T>(dataDir: string, use: (session: import('chdb').Session) => Promise<T>): Promise<T> {
  const { Session } = await import('chdb');
  const session = new Session(dataDir);
  try {
    return await use(session);
  } finally {
    session.close();
  }
}

/** The rows of a Parquet file as JSON lines, read by chDB in this process. */
export async function readParquet(dataDir: string, parquet: Uint8Array): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'periscope-parquet-'));
  try {
    const file = join(dir, 'answer.parquet');
    await writeFile(file, parquet);
    return await withSession(dataDir, async (s) => (await s.queryBindAsync('SELECT * FROM file({file:String}, Parquet)', { file }, { format: 'JSONEachRow' })).text());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How many queries the embedded engine of `dataDir` is running whose text contains `text`. */
export async function runningQueries(dataDir: string, text: string): Promise<number> {
  return withSession(dataDir, async (s) => {
    const sql = "SELECT count() FROM system.processes WHERE position(query, {text:String}) > 0 AND position(query, 'system.processes') = 0";
    return Number((await s.queryBindAsync(sql, { text }, { format: 'TSV' })).text());
  });
}
