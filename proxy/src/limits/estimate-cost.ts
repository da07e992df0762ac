import type { PriceBook } from '../pricing/cost.ts';
import type { ParsedBody } from '../relay/request-body.ts';
import type { Deployment } from '../routing/route-plan.ts';

/** About four bytes of JSON per input token: close enough to refuse the call that would overrun a budget. */
const BYTES_PER_TOKEN = 4;

/** What a call's input will cost at least, before it is sent; 0 when the model has no price. */
export function estimateInputCost(body: ParsedBody, deployment: Deployment, priceBook: PriceBook): number {
  const bytes = body.raw?.length ?? 0;
  if (bytes === 0) return 0;
  const model = deployment.upstreamModel ?? body.model ?? '';
  const prompt_tokens = Math.ceil(bytes / BYTES_PER_TOKEN);
  const cost = priceBook.cost(deployment.providerConfig.type, model, { prompt_tokens, completion_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0 });
  return cost.known ? cost.cost_usd : 0;
}
