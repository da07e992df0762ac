import type { PriceBook } from '../pricing/price-types.ts';
import type { ParsedBody } from '../relay/request-body.ts';
import type { Deployment } from '../routing/route-plan.ts';

/** About four bytes of JSON per input token. */
const BYTES_PER_TOKEN = 4;
/** Where each API takes the most output tokens the client allows. */
const MAX_OUTPUT_FIELDS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;

/** What a call may cost before it is sent, in USD; 0 when the model has no price. */
export interface CostEstimate {
  /** Input (from the body size) plus the output cap when the client set one: the most it can cost. */
  usd: number;
  /** The input part alone. */
  inputUsd: number;
}

/**
 * The most a call can cost as far as the request tells, before it is sent: its input (from
 * the body size) plus its output cap when the client set one. A budget admits the call only
 * if this still fits, so the call that would overrun a budget is the one refused.
 */
export function estimateCallCost(body: ParsedBody, deployment: Deployment, priceBook: PriceBook): CostEstimate {
  const bytes = body.raw?.length ?? 0;
  if (bytes === 0) return { usd: 0, inputUsd: 0 };
  const model = deployment.upstreamModel ?? body.model ?? '';
  let completion_tokens = 0;
  for (const field of MAX_OUTPUT_FIELDS) {
    const v = body.json?.[field];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) completion_tokens = Math.max(completion_tokens, Math.floor(v));
  }
  const prompt_tokens = Math.ceil(bytes / BYTES_PER_TOKEN);
  const usage = { prompt_tokens, completion_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 };
  const input = priceBook.cost(deployment.providerConfig.type, model, usage);
  if (!input.known) return { usd: 0, inputUsd: 0 };
  return { usd: priceBook.cost(deployment.providerConfig.type, model, Object.assign({}, usage, { completion_tokens })).cost_usd, inputUsd: input.cost_usd };
}
