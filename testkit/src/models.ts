/**
 * Real providers answer an alias with the dated snapshot that served it; the gateway records both
 * (`model` and `model_served`), so the mock does the same for the OpenAI models it knows.
 */
const OPENAI_SNAPSHOTS: Readonly<Record<string, string>> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-5': 'gpt-5-2025-08-07',
  'gpt-5-mini': 'gpt-5-mini-2025-08-07',
  'gpt-5-nano': 'gpt-5-nano-2025-08-07',
  o1: 'o1-2024-12-17',
  o3: 'o3-2025-04-16',
  'o3-mini': 'o3-mini-2025-01-31',
  'o4-mini': 'o4-mini-2025-04-16',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
  'gpt-3.5-turbo-instruct': 'gpt-3.5-turbo-instruct-0914',
};

const EMBEDDING_DIMENSIONS: Readonly<Record<string, number>> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/** Anything unknown (Claude, Gemini, local models) is served under the name it was asked for. */
export function servedModelFor(model: string): string {
  return OPENAI_SNAPSHOTS[model] ?? model;
}

/** Reasoning tokens a reasoning model (o-series, gpt-5) reports, on top of its visible text. */
export const REASONING_TOKENS = 16;

export function reasoningTokensFor(model: string): number {
  return /^(o\d|gpt-5)(?!-chat)/.test(model) ? REASONING_TOKENS : 0;
}

export function embeddingDimensionsFor(model: string): number {
  return EMBEDDING_DIMENSIONS[model] ?? 1536;
}

export const OPENAI_MODEL_IDS: readonly string[] = [
  ...Object.keys(OPENAI_SNAPSHOTS),
  ...Object.keys(EMBEDDING_DIMENSIONS),
];

export const ANTHROPIC_MODELS: readonly { id: string; display_name: string; created_at: string }[] = [
  { id: 'claude-opus-4-7', display_name: 'Claude Opus 4.7', created_at: '2026-04-01T00:00:00Z' },
  { id: 'claude-sonnet-4-6', display_name: 'Claude Sonnet 4.6', created_at: '2026-02-01T00:00:00Z' },
  { id: 'claude-haiku-4-5-20251001', display_name: 'Claude Haiku 4.5', created_at: '2025-10-01T00:00:00Z' },
];
