import type { Endpoint } from '../providers/types.ts';
import type { Usage } from '../pricing/price-types.ts';

/** Normalised token counts, the same shape the price book bills (see pricing/price-book.ts). */
export type TokenUsage = Usage;

export interface Observed {
  usage: TokenUsage;
  /** Whether any usage block was seen at all (a stream cut short may have none). */
  sawUsage: boolean;
  model_served: string;
  /** The provider's id for the response; collected only for traced calls (see otel/). */
  response_id?: string;
  /** Why generation stopped, per choice, in the provider's words; collected only for traced calls. */
  finish_reasons?: string[];
}

export const emptyUsage = (): TokenUsage => ({
  prompt_tokens: 0, completion_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0,
});

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.round(v) : 0);

/** OpenAI chat/completions/embeddings `usage` block. */
export function fromOpenAiUsage(u: Json): TokenUsage {
  return {
    prompt_tokens: num(u.prompt_tokens),
    completion_tokens: num(u.completion_tokens),
    cache_read_tokens: num(obj(u.prompt_tokens_details)?.cached_tokens),
    cache_write_tokens: 0,
    reasoning_tokens: num(obj(u.completion_tokens_details)?.reasoning_tokens),
  };
}

/** OpenAI Responses API `usage` block. */
export function fromResponsesUsage(u: Json): TokenUsage {
  return {
    prompt_tokens: num(u.input_tokens),
    completion_tokens: num(u.output_tokens),
    cache_read_tokens: num(obj(u.input_tokens_details)?.cached_tokens),
    cache_write_tokens: 0,
    reasoning_tokens: num(obj(u.output_tokens_details)?.reasoning_tokens),
  };
}

/**
 * Anthropic `usage`: input_tokens excludes cached reads and writes, so they are added back.
 * `cache_creation` splits the writes by TTL (5-minute and 1-hour writes are priced apart).
 */
export function fromAnthropicUsage(u: Json): TokenUsage {
  const read = num(u.cache_read_input_tokens);
  const write = num(u.cache_creation_input_tokens);
  const usage: TokenUsage = {
    prompt_tokens: num(u.input_tokens) + read + write,
    completion_tokens: num(u.output_tokens),
    cache_read_tokens: read,
    cache_write_tokens: write,
    reasoning_tokens: 0,
  };
  const write1h = num(obj(u.cache_creation)?.ephemeral_1h_input_tokens);
  if (write1h > 0) usage.cache_write_1h_tokens = Math.min(write, write1h);
  return usage;
}

/** Finish reasons of OpenAI `choices` (chat and legacy completions), in choice order. */
export function choiceFinishReasons(choices: unknown, into: string[]): void {
  if (!Array.isArray(choices)) return;
  for (const choice of choices) {
    const reason = obj(choice)?.finish_reason;
    if (typeof reason === 'string') into.push(reason);
  }
}

/** A Responses API response's outcome: the incomplete reason, else its status. */
export function responsesFinishReason(response: Json): string | undefined {
  const reason = obj(response.incomplete_details)?.reason;
  if (typeof reason === 'string') return reason;
  return typeof response.status === 'string' ? response.status : undefined;
}

function responseMeta(endpoint: Endpoint, json: Json, observed: Observed): void {
  if (typeof json.id === 'string') observed.response_id = json.id;
  const reasons: string[] = [];
  if (endpoint === 'messages') {
    if (typeof json.stop_reason === 'string') reasons.push(json.stop_reason);
  } else if (endpoint === 'responses') {
    const reason = responsesFinishReason(json);
    if (reason) reasons.push(reason);
  } else {
    choiceFinishReasons(json.choices, reasons);
  }
  if (reasons.length > 0) observed.finish_reasons = reasons;
}

function usageOf(endpoint: Endpoint, u: Json | undefined): { usage: TokenUsage; sawUsage: boolean } {
  if (!u || endpoint === 'messages.count_tokens') return { usage: emptyUsage(), sawUsage: false };
  if (endpoint === 'responses') return { usage: fromResponsesUsage(u), sawUsage: true };
  if (endpoint === 'messages') return { usage: fromAnthropicUsage(u), sawUsage: true };
  return { usage: fromOpenAiUsage(u), sawUsage: true };
}

/**
 * Usage and served model from a complete (non-streamed) JSON response; with `withResponseMeta`
 * (traced calls) also its id and finish reasons.
 */
export function usageFromJson(endpoint: Endpoint, body: unknown, withResponseMeta = false): Observed {
  const json = obj(body);
  const model_served = typeof json?.model === 'string' ? json.model : '';
  const { usage, sawUsage } = usageOf(endpoint, obj(json?.usage));
  const observed: Observed = { usage, sawUsage, model_served };
  if (withResponseMeta && json) responseMeta(endpoint, json, observed);
  return observed;
}

export const jsonObject = obj;
