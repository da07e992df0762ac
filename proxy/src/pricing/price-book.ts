// Cost in USD of one call: the price book over the shipped price table (prices.json) plus config overrides.
//
// Unknown models cost 0 and come back with `known: false`; the caller owns the
// metrics registry, so it counts the warning. Nothing here logs or guesses.

import { familiesFor, MAX_PRICED_NAME_CHARS, modelNameCandidates } from './model-names.ts';
import { childPath, parseModelPrice, PRICE_TABLE } from './price-table.ts';
import type { Usage, PriceTier, ModelPrice, PriceTable, ResolvedPrice, ResolvingPriceBook } from './price-types.ts';

/** Distinct (provider, model) lookups a price book remembers before it starts over. */
const RESOLVED_MEMO_ENTRIES = 2000;

function tokens(n: number): number {
  // A missing or garbled count must not turn the whole cost into NaN or a negative refund.
  return Number.isFinite(n) && n > 0 ? n : 0;
}

/** The tier for a prompt size: the highest one whose threshold the prompt exceeds. */
function selectRates(p: ModelPrice, promptTokens: number): ModelPrice | PriceTier {
  let rates: ModelPrice | PriceTier = p;
  for (const tier of p.tiers ?? []) {
    if (promptTokens > tier.above_input_tokens) rates = tier;
  }
  return rates;
}

/** USD for one call at the given prices, rounded to 1e-10 so sums do not show float noise. */
export function computeCost(p: ModelPrice, usage: Usage): number {
  const prompt = tokens(usage.prompt_tokens);
  const cacheRead = tokens(usage.cache_read_tokens);
  const cacheWrite = tokens(usage.cache_write_tokens);
  const cacheWrite1h = Math.min(cacheWrite, tokens(usage.cache_write_1h_tokens ?? 0));
  const completion = tokens(usage.completion_tokens);
  const rates = selectRates(p, prompt);
  // Clamp: a usage block whose cache counts exceed the prompt must not subtract money.
  const uncached = Math.max(0, prompt - cacheRead - cacheWrite);
  const writeRate = rates.cache_write ?? rates.input;
  const usd =
    (uncached * rates.input +
      cacheRead * (rates.cache_read ?? rates.input) +
      (cacheWrite - cacheWrite1h) * writeRate +
      cacheWrite1h * (rates.cache_write_1h ?? writeRate) +
      completion * rates.output) /
    1e6;
  return Math.round(usd * 1e10) / 1e10;
}

export interface PriceBookOptions {
  /** The table to price from; the shipped prices.json by default (tests pass their own). */
  table?: PriceTable;
  /** Where the overrides live, for error messages; `pricing`, the config key, by default. */
  path?: string;
}

/**
 * A price book over the shipped table. `overrides` (the config's `pricing` map) win over
 * the file and may add models; their keys match the requested model name exactly first
 * (so an Azure deployment name can be priced), then case-insensitively against the same
 * candidates as the file. Each override is validated here with parseModelPrice, so the
 * config may pass its raw map; a bad one throws PriceTableError naming e.g. `pricing["x"].input`.
 */
export function createPriceBook(overrides: Record<string, unknown> = {}, options: PriceBookOptions = {}): ResolvingPriceBook {
  const table = options.table ?? PRICE_TABLE;
  const root = options.path ?? 'pricing';
  const exact = new Map<string, ModelPrice>();
  const lower = new Map<string, ModelPrice>();
  const lowerKey = new Map<string, string>();
  for (const [name, p] of Object.entries(overrides)) {
    const parsed = parseModelPrice(p, childPath(root, name));
    exact.set(name, parsed);
    lower.set(name.trim().toLowerCase(), parsed);
    lowerKey.set(name.trim().toLowerCase(), name);
  }

  function resolve(provider: string, model: string): ResolvedPrice | undefined {
    const direct = exact.get(model);
    if (direct) return { price: direct, priced_as: model, from: 'override' };
    const candidates = modelNameCandidates(model);
    // Overrides win over the file for every candidate, so overriding `gpt-4o` also
    // re-prices `gpt-4o-2024-08-06` requests.
    for (const name of candidates) {
      const p = lower.get(name);
      if (p) return { price: p, priced_as: lowerKey.get(name) ?? name, from: 'override' };
    }
    const families = familiesFor(provider, model, table);
    for (const name of candidates) {
      for (const family of families) {
        const p = table.families[family]?.[name];
        if (p) return { price: p, priced_as: name, from: family };
      }
    }
    return undefined;
  }

  // The book never changes (a config reload makes a new one), so each call's lookup is kept:
  // resolving tries up to a dozen name candidates against several families. Bounded in entries
  // and in name length, since clients and providers name models: endless distinct names only
  // make it start over, and a huge name is never held past its call.
  const memo = new Map<string, ResolvedPrice | null>();
  function resolveMemo(provider: string, model: string): ResolvedPrice | undefined {
    if (model.length > MAX_PRICED_NAME_CHARS) return resolve(provider, model); // never kept: a client may send anything
    const key = `${provider}\u0000${model}`;
    const hit = memo.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const found = resolve(provider, model);
    if (memo.size >= RESOLVED_MEMO_ENTRIES) memo.clear();
    memo.set(key, found ?? null);
    return found;
  }

  return {
    resolve,
    priceFor: (provider, model) => resolveMemo(provider, model)?.price,
    cost(provider, model, usage) {
      const found = resolveMemo(provider, model);
      if (!found) return { cost_usd: 0, known: false };
      return { cost_usd: computeCost(found.price, usage), known: true };
    },
  };
}
