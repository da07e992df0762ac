import { REQUEST_EVENT_V1_ADDITIONS, REQUEST_EVENT_VERSION, type AttemptRecord, type RequestEvent } from '@periscope/contract';
import { createPriceBook, seededRandom } from '@periscope/proxy';

/**
 * Plausible gateway traffic for demos and benchmarks: a mix of providers and models, users
 * (some of them Chinese teams), agent sessions with path trees, properties, streamed calls
 * with TTFT, errors and client aborts, response-cache hits with their saving, and provider
 * prompt-cache reads. Deterministic for a given seed, so two runs give the same table.
 */
export interface SyntheticTrafficOptions {
  project: string;
  /** Rows spread over [end - days, end). */
  end: number;
  days: number;
  seed?: number;
}

interface ModelChoice {
  provider: string;
  /** Provider type, for the price book. */
  type: string;
  model: string;
  served: string;
  weight: number;
  /** Typical latency of a non-streamed answer, ms. */
  latencyMs: number;
}

const MODELS: ModelChoice[] = [
  { provider: 'openai', type: 'openai', model: 'gpt-4o-mini', served: 'gpt-4o-mini-2024-07-18', weight: 40, latencyMs: 900 },
  { provider: 'openai', type: 'openai', model: 'gpt-4o', served: 'gpt-4o-2024-08-06', weight: 15, latencyMs: 2200 },
  { provider: 'openai', type: 'openai', model: 'o3-mini', served: 'o3-mini-2025-01-31', weight: 5, latencyMs: 6500 },
  { provider: 'anthropic', type: 'anthropic', model: 'claude-sonnet-4-5', served: 'claude-sonnet-4-5-20250929', weight: 20, latencyMs: 3100 },
  { provider: 'anthropic', type: 'anthropic', model: 'claude-haiku-4-5', served: 'claude-haiku-4-5-20251001', weight: 12, latencyMs: 1100 },
  { provider: 'groq', type: 'openai-compatible', model: 'llama-3.1-8b-instant', served: 'llama-3.1-8b-instant', weight: 8, latencyMs: 300 },
];
const USERS = [
  'alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'zhang.wei', 'li.na', 'wang.fang', 'chen.jie',
  'liu.yang', 'yang.min', 'huang.lei', 'zhao.lin', 'sato.yuki', 'kim.minji', 'ivan', 'olga', '',
];
const TEAMS = ['search', 'growth', 'support', '研发', '数据平台', '客服', '智能体'];
const FEATURES = ['chat', 'summarize', 'classify', 'extract', 'agent', 'translate'];
const KEYS = ['key_seed_web', 'key_seed_batch', 'key_seed_agents'];
const PROMPTS = [
  'Summarise this support ticket in two sentences.',
  'Classify the sentiment of the following review.',
  '请把下面这段话翻译成英文。',
  '帮我总结这份周报的要点。',
  'Write a SQL query that counts orders per day.',
  'Extract the invoice number and total from this email.',
  'Plan the next step of the refactoring task.',
];
const PATHS = ['/', '/plan', '/plan/step-1', '/plan/step-2', '/plan/step-2/tool:search', '/review'];


export function syntheticTraffic(opts: SyntheticTrafficOptions): (i: number) => RequestEvent {
  const priceBook = createPriceBook();
  const rand = seededRandom(opts.seed ?? 42);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const totalWeight = MODELS.reduce((s, m) => s + m.weight, 0);
  const pickModel = () => {
    let r = rand() * totalWeight;
    for (const m of MODELS) if ((r -= m.weight) < 0) return m;
    return MODELS[0]!;
  };
  const spanMs = opts.days * 86_400_000;

  return (i) => {
    // Busier in the (UTC) working day: accept a time with a probability that follows the hour.
    let createdAt = opts.end - 1 - Math.floor(rand() * spanMs);
    for (let tries = 0; tries < 3 && rand() > 0.35 + 0.65 * Math.sin((((createdAt / 3_600_000) % 24) / 24) * Math.PI); tries++) {
      createdAt = opts.end - 1 - Math.floor(rand() * spanMs);
    }
    const m = pickModel();
    const user = pick(USERS);
    const agentic = rand() < 0.3;
    const sessionId = agentic ? `run-${Math.floor(createdAt / 600_000).toString(36)}-${Math.floor(rand() * 6)}` : '';
    const streamed = rand() < 0.55;
    const roll = rand();
    const status = roll < 0.03 ? 429 : roll < 0.045 ? 500 : roll < 0.05 ? 0 : roll < 0.06 ? 400 : 200;
    const errorType = status === 429 ? 'rate_limit' : status === 500 ? 'upstream_error' : status === 0 ? 'client_aborted' : status === 400 ? 'invalid_request' : '';
    const cacheHit = status === 200 && rand() < 0.12;
    const promptTokens = 50 + Math.floor(rand() ** 2 * 6000);
    const completionTokens = status === 200 ? 20 + Math.floor(rand() ** 2 * 1200) : 0;
    const cacheRead = m.type === 'anthropic' && agentic && status === 200 ? Math.floor(promptTokens * (0.5 + rand() * 0.45)) : 0;
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, cache_read_tokens: cacheRead, cache_write_tokens: 0, reasoning_tokens: 0 };
    const priced = priceBook.cost(m.type, m.served, usage);
    const latency = cacheHit ? 2 + Math.floor(rand() * 10) : Math.max(40, Math.floor(m.latencyMs * (0.3 + rand() * 1.7) * (1 + completionTokens / 2000)));
    const prompt = pick(PROMPTS);
    const attempt: AttemptRecord = { model: m.model, provider: m.provider, upstream_model: m.model, status, error_type: errorType, duration_ms: latency };
    return {
      request_id: `seed-${opts.project}-${i.toString(36)}`,
      event_version: REQUEST_EVENT_VERSION,
      ...REQUEST_EVENT_V1_ADDITIONS,
      created_at: createdAt,
      project_id: opts.project,
      key_id: agentic ? KEYS[2]! : pick(KEYS.slice(0, 2)),
      provider: m.provider,
      model: m.model,
      model_served: m.served,
      endpoint: m.type === 'anthropic' ? 'messages' : 'chat.completions',
      status,
      error_type: errorType,
      error_message: errorType ? `synthetic ${errorType}` : '',
      streamed,
      latency_ms: latency,
      ttft_ms: streamed && status === 200 ? Math.min(latency, 80 + Math.floor(rand() * 700)) : null,
      ...usage,
      cost_usd: cacheHit || status !== 200 ? 0 : priced.cost_usd,
      cost_known: priced.known,
      cache_status: cacheHit ? 'hit' : rand() < 0.5 ? 'miss' : 'bypass',
      attempts: status === 429 ? 2 : 1,
      user_id: user,
      session_id: sessionId,
      session_path: agentic ? pick(PATHS) : '',
      session_name: agentic ? `Agent run ${sessionId.slice(4, 9)}` : '',
      properties: { team: pick(TEAMS), env: rand() < 0.8 ? 'prod' : 'staging', feature: agentic ? 'agent' : pick(FEATURES) },
      request_body: JSON.stringify({ model: m.model, stream: streamed, messages: [{ role: 'user', content: prompt }] }),
      response_body: status === 200
        ? JSON.stringify({ model: m.served, choices: [{ message: { role: 'assistant', content: `Synthetic answer to: ${prompt}` } }] })
        : JSON.stringify({ error: { message: `synthetic ${errorType}` } }),
      request_truncated: false,
      response_truncated: false,
      user_agent: m.type === 'anthropic' ? 'Anthropic/Python 0.40.0' : 'OpenAI/Python 1.55.0',
      upstream_request_id: '',
      attempt_log: [attempt],
      cache_source_request_id: cacheHit ? `seed-${opts.project}-${Math.max(0, i - 1).toString(36)}` : '',
      cost_saved_usd: cacheHit ? priced.cost_usd : 0,
      prompt_cache_expected: cacheRead > 0,
      prompt_cache_hit: cacheRead > 0,
    };
  };
}
