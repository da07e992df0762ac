import { describe, expect, it } from 'vitest';
import { PRICE_TABLE, PriceTableError, parseModelPrice, parsePriceTable } from './price-table.ts';
import { computeCost, createPriceBook } from './price-book.ts';
import { modelNameCandidates, normalizeModelName } from './model-names.ts';
import type { ModelPrice, Usage } from './price-types.ts';

function usage(u: Partial<Usage>): Usage {
  return { prompt_tokens: 0, completion_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0, reasoning_tokens: 0, ...u };
}

/** Anthropic reports input_tokens without the cached parts; the caller adds them back. */
function anthropicUsage(input: number, cacheRead: number, cacheCreation: number, output: number): Usage {
  return usage({
    prompt_tokens: input + cacheRead + cacheCreation,
    cache_read_tokens: cacheRead,
    cache_write_tokens: cacheCreation,
    completion_tokens: output,
  });
}

const book = createPriceBook();

describe('known models, costs worked by hand', () => {
  it('OpenAI: cached tokens are part of prompt_tokens and billed at the cached price', () => {
    // gpt-4o-mini: 6,000 uncached x 0.15 + 4,000 cached x 0.075 + 500 out x 0.60 = 1,500 / 1e6
    expect(book.cost('openai', 'gpt-4o-mini', usage({ prompt_tokens: 10_000, cache_read_tokens: 4_000, completion_tokens: 500 })))
      .toEqual({ cost_usd: 0.0015, known: true });
    // gpt-4o: 800 x 2.5 + 200 x 1.25 + 100 x 10 = 3,250 / 1e6
    expect(book.cost('openai', 'gpt-4o', usage({ prompt_tokens: 1_000, cache_read_tokens: 200, completion_tokens: 100 })).cost_usd)
      .toBe(0.00325);
  });

  it('OpenAI: reasoning tokens are inside completion_tokens, not billed twice', () => {
    // o3: 1,000 x 2 + 500 x 8 = 6,000 / 1e6, whatever the reasoning share of the 500
    expect(book.cost('openai', 'o3', usage({ prompt_tokens: 1_000, completion_tokens: 500, reasoning_tokens: 400 })).cost_usd)
      .toBe(0.006);
  });

  it('Anthropic: cache reads and 5-minute cache writes at their own prices', () => {
    // claude-sonnet-4-5: 100 x 3 + 2,000 x 0.30 + 1,000 x 3.75 + 500 x 15 = 12,150 / 1e6
    expect(book.cost('anthropic', 'claude-sonnet-4-5', anthropicUsage(100, 2_000, 1_000, 500)))
      .toEqual({ cost_usd: 0.01215, known: true });
    // claude-haiku-4-5: 1,000 x 1 + 10,000 x 0.10 + 0 + 200 x 5 = 3,000 / 1e6
    expect(book.cost('anthropic', 'claude-haiku-4-5', anthropicUsage(1_000, 10_000, 0, 200)).cost_usd).toBe(0.003);
  });

  it('Anthropic: 5-minute writes at 1.25x input, 1-hour writes at 2x input', () => {
    // claude-sonnet-4-5: 100 x 3 + 600 x 3.75 + 400 x 6 + 10 x 15 = 5,100 / 1e6
    const u = { ...anthropicUsage(100, 0, 1_000, 10), cache_write_1h_tokens: 400 };
    expect(book.cost('anthropic', 'claude-sonnet-4-5', u).cost_usd).toBe(0.0051);
    const p = book.priceFor('anthropic', 'claude-sonnet-4-5')!;
    expect(p.cache_write).toBe(p.input * 1.25);
    expect(p.cache_write_1h).toBe(p.input * 2);
    // Over 200k the tier's 1-hour price applies: 200,000 x 6 + 1,000 x 12 (all 1h) = 1,212,000 / 1e6
    const long = { ...anthropicUsage(200_000, 0, 1_000, 0), cache_write_1h_tokens: 1_000 };
    expect(book.cost('anthropic', 'claude-sonnet-4-5', long).cost_usd).toBe(1.212);
  });

  it('every Anthropic price sets the 1-hour write at twice the input price, tiers included', () => {
    for (const [model, p] of Object.entries(PRICE_TABLE.families.anthropic!)) {
      expect(p.cache_write_1h, model).toBeCloseTo(p.input * 2, 10);
      for (const t of p.tiers ?? []) expect(t.cache_write_1h, model).toBeCloseTo(t.input * 2, 10);
    }
  });

  it('a 1-hour count above the write count is clamped to it', () => {
    const u = { ...anthropicUsage(0, 0, 100, 0), cache_write_1h_tokens: 1_000 };
    expect(book.cost('anthropic', 'claude-haiku-4-5', u).cost_usd).toBe(0.0002); // 100 x 2
  });

  it('embeddings bill input only', () => {
    // text-embedding-3-small: 1,000,000 x 0.02
    expect(book.cost('openai', 'text-embedding-3-small', usage({ prompt_tokens: 1_000_000 })).cost_usd).toBe(0.02);
  });

  it('OpenAI cache writes (GPT-6) are billed at the cache-write price', () => {
    // gpt-6-sol: 1,000 x 2 + 3,000 x 0.20 + 1,000 x 2.50 + 100 x 10 = 6,100 / 1e6
    expect(
      book.cost('openai', 'gpt-6-sol', usage({ prompt_tokens: 5_000, cache_read_tokens: 3_000, cache_write_tokens: 1_000, completion_tokens: 100 }))
        .cost_usd,
    ).toBe(0.0061);
  });
});

describe('models the supported agents use by default', () => {
  it.each([
    ['anthropic', 'claude-opus-5-5'], ['anthropic', 'claude-haiku-4-5'], ['openai', 'gpt-6.2-sol'],
    ['openai', 'gpt-5.6-luna'], ['gemini', 'gemini-2.5-pro'], ['openai', 'gpt-3.5-turbo-instruct-0914'],
  ])('%s %s has a price', (provider, model) => {
    expect(book.priceFor(provider, model)).toBeDefined();
  });

  it('gpt-3.5-turbo-instruct: $1.50 in, $2 out', () => {
    expect(book.cost('openai', 'gpt-3.5-turbo-instruct', usage({ prompt_tokens: 1_000_000, completion_tokens: 1_000_000 })).cost_usd).toBe(3.5);
  });
});

describe('tiers', () => {
  it('gemini-2.5-pro: at the 200k boundary the base price, one token above the long-context price', () => {
    // 200,000 x 1.25 + 1,000 x 10 = 260,000 / 1e6
    expect(book.cost('gemini', 'gemini-2.5-pro', usage({ prompt_tokens: 200_000, completion_tokens: 1_000 })).cost_usd).toBe(0.26);
    // 200,001 x 2.50 + 1,000 x 15 = 515,002.5 / 1e6
    expect(book.cost('gemini', 'gemini-2.5-pro', usage({ prompt_tokens: 200_001, completion_tokens: 1_000 })).cost_usd).toBe(0.5150025);
  });

  it('the tier prices cached tokens too', () => {
    // gemini-2.5-pro, 300k prompt of which 100k cached: 200,000 x 2.50 + 100,000 x 0.25 = 525,000 / 1e6
    expect(book.cost('gemini', 'gemini-2.5-pro', usage({ prompt_tokens: 300_000, cache_read_tokens: 100_000 })).cost_usd).toBe(0.525);
  });

  it('claude-sonnet-4-5 over 200k: the whole request at the long-context rate, cache multipliers stacked', () => {
    // 50,000 x 6 + 150,000 x 0.60 + 50,000 x 7.50 + 2,000 x 22.50 = 810,000 / 1e6
    expect(book.cost('anthropic', 'claude-sonnet-4-5', anthropicUsage(50_000, 150_000, 50_000, 2_000)).cost_usd).toBe(0.81);
    // Below: 190,000 x 3 + 1,000 x 15 = 585,000 / 1e6
    expect(book.cost('anthropic', 'claude-sonnet-4-5', anthropicUsage(190_000, 0, 0, 1_000)).cost_usd).toBe(0.585);
  });

  it('the tier is chosen by total prompt size, cache reads included', () => {
    // claude-haiku-5-5: 10k fresh + 95k cache reads = 105k > 100k, so every token at the tier
    // 10,000 x 0.50 + 95,000 x 0.05 + 1,000 x 2.50 = 12,250 / 1e6
    expect(book.cost('anthropic', 'claude-haiku-5-5', anthropicUsage(10_000, 95_000, 0, 1_000)).cost_usd).toBe(0.01225);
  });

  it("Claude Code's [1m] models: the base model's long-context tier where it has one, the flat price where the 1M window is standard", () => {
    // claude-sonnet-4-5[1m], 300k fresh input: 300,000 x 6 + 1,000 x 22.50 = 1,822,500 / 1e6
    expect(book.cost('anthropic', 'claude-sonnet-4-5[1m]', anthropicUsage(300_000, 0, 0, 1_000)).cost_usd).toBe(1.8225);
    // claude-opus-4-8[1m], the same call: 300,000 x 5 + 1,000 x 25 = 1,525,000 / 1e6
    expect(book.cost('anthropic', 'claude-opus-4-8[1m]', anthropicUsage(300_000, 0, 0, 1_000)).cost_usd).toBe(1.525);
  });

  it('gpt-5.6-luna (the Agents SDK default) above 272k input: x2 input, x1.5 output for the whole request', () => {
    // 300,000 x 0.40 + 1,000 x 1.80 = 121,800 / 1e6
    expect(book.cost('openai', 'gpt-5.6-luna', usage({ prompt_tokens: 300_000, completion_tokens: 1_000 })).cost_usd).toBe(0.1218);
  });

  it('with several tiers the highest exceeded threshold wins', () => {
    const p: ModelPrice = {
      input: 1,
      output: 1,
      tiers: [
        { above_input_tokens: 10, input: 2, output: 2 },
        { above_input_tokens: 20, input: 3, output: 3 },
      ],
    };
    expect(computeCost(p, usage({ prompt_tokens: 10 }))).toBe(0.00001);
    expect(computeCost(p, usage({ prompt_tokens: 15 }))).toBe(0.00003);
    expect(computeCost(p, usage({ prompt_tokens: 25 }))).toBe(0.000075);
  });
});

describe('model name resolution', () => {
  it('strips OpenAI date snapshots', () => {
    expect(book.priceFor('openai', 'gpt-4o-mini-2024-07-18')).toBe(book.priceFor('openai', 'gpt-4o-mini'));
    expect(book.resolve('openai', 'gpt-4.1-2025-04-14')?.priced_as).toBe('gpt-4.1');
  });

  it('a snapshot with its own price matches exactly before any stripping', () => {
    expect(book.priceFor('openai', 'gpt-4o-2024-05-13')).toMatchObject({ input: 5, output: 15 });
    expect(book.priceFor('openai', 'gpt-4o-2024-08-06')).toMatchObject({ input: 2.5, output: 10 });
  });

  it('strips Anthropic dates, -latest and -0 aliases', () => {
    expect(book.resolve('anthropic', 'claude-sonnet-4-5-20250929')?.priced_as).toBe('claude-sonnet-4-5');
    expect(book.resolve('anthropic', 'claude-3-5-haiku-latest')?.priced_as).toBe('claude-3-5-haiku');
    expect(book.resolve('anthropic', 'claude-3-7-sonnet-20250219')?.priced_as).toBe('claude-3-7-sonnet');
    expect(book.resolve('anthropic', 'claude-sonnet-4-0')?.priced_as).toBe('claude-sonnet-4');
    expect(book.resolve('anthropic', 'claude-opus-4-1-20250805')?.priced_as).toBe('claude-opus-4-1');
  });

  it('understands Bedrock, Vertex and Claude Code spellings of Claude models', () => {
    expect(book.resolve('openai-compatible', 'us.anthropic.claude-sonnet-4-5-20250929-v1:0')?.priced_as).toBe('claude-sonnet-4-5');
    expect(book.resolve('anthropic', 'claude-3-5-haiku@20241022')?.priced_as).toBe('claude-3-5-haiku');
    expect(book.resolve('anthropic', 'claude-sonnet-4-5[1m]')?.priced_as).toBe('claude-sonnet-4-5');
  });

  it('strips Gemini numbered versions', () => {
    expect(book.resolve('gemini', 'gemini-2.0-flash-001')?.priced_as).toBe('gemini-2.0-flash');
  });

  it('is case-insensitive', () => {
    expect(book.resolve('openai', 'GPT-4o')?.priced_as).toBe('gpt-4o');
  });

  it('does not strip names that merely look versioned into a different model', () => {
    expect(book.cost('openai', 'chatgpt-4o-latest', usage({ prompt_tokens: 1 }))).toEqual({ cost_usd: 0, known: false });
    expect(book.priceFor('openai', 'gpt-4o-mini-search-preview')).toBeUndefined();
  });

  it('prices a name longer than any priced one as unknown, as it is, without stripping it', () => {
    for (const name of [`gpt-4o${'-latest'.repeat(40)}`, `claude-sonnet-4-5${'['.repeat(300)}`, `${'@'.repeat(300)}\nx`]) {
      expect(modelNameCandidates(name)).toEqual([name.trim().toLowerCase()]);
      expect(book.cost('openai-compatible', name, usage({ prompt_tokens: 1 }))).toEqual({ cost_usd: 0, known: false });
    }
    // At the bound, still stripped.
    expect(book.resolve('openai', `gpt-4o${'-latest'.repeat(35)}`)?.priced_as).toBe('gpt-4o');
  });

  it('accepts provider-qualified (OpenRouter style) names', () => {
    expect(book.resolve('openai-compatible', 'openai/gpt-4o')).toMatchObject({ priced_as: 'gpt-4o', from: 'openai' });
    expect(book.resolve('openai-compatible', 'anthropic/claude-sonnet-4.5')).toMatchObject({ priced_as: 'claude-sonnet-4-5', from: 'anthropic' });
    expect(book.resolve('openai-compatible', 'anthropic/claude-3.5-haiku')?.priced_as).toBe('claude-3-5-haiku');
    expect(book.resolve('openai-compatible', 'google/gemini-2.5-flash')).toMatchObject({ priced_as: 'gemini-2.5-flash', from: 'gemini' });
    expect(book.resolve('gemini', 'models/gemini-2.5-pro')?.priced_as).toBe('gemini-2.5-pro');
    expect(book.resolve('openai', 'openai/gpt-4o-2024-11-20')?.priced_as).toBe('gpt-4o');
  });

  it('maps provider types to families', () => {
    expect(book.resolve('azure-openai', 'gpt-4.1-mini')).toMatchObject({ from: 'openai', priced_as: 'gpt-4.1-mini' });
    // openai-compatible searches every family by model name
    expect(book.resolve('openai-compatible', 'claude-haiku-4-5')?.from).toBe('anthropic');
    expect(book.resolve('openai-compatible', 'gemini-2.5-flash-lite')?.from).toBe('gemini');
    // a typed provider only bills at its own family's prices
    expect(book.priceFor('anthropic', 'gpt-4o')).toBeUndefined();
    expect(book.priceFor('openai', 'claude-haiku-4-5')).toBeUndefined();
  });

  it('candidate list runs from the exact name to the most stripped one', () => {
    expect(modelNameCandidates('openai/gpt-4o-mini-2024-07-18')).toEqual([
      'openai/gpt-4o-mini-2024-07-18',
      'gpt-4o-mini-2024-07-18',
      'gpt-4o-mini',
    ]);
    expect(normalizeModelName('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toBe('claude-sonnet-4-5');
  });
});

describe('overrides', () => {
  const cheap: ModelPrice = { input: 1, output: 2 };

  it('win over the file', () => {
    const b = createPriceBook({ 'gpt-4o': cheap });
    expect(b.resolve('openai', 'gpt-4o')).toMatchObject({ from: 'override', priced_as: 'gpt-4o' });
    // 1,000 x 1 + 1,000 x 2 = 3,000 / 1e6
    expect(b.cost('openai', 'gpt-4o', usage({ prompt_tokens: 1_000, completion_tokens: 1_000 })).cost_usd).toBe(0.003);
    // ...including for a dated snapshot of the overridden model
    expect(b.resolve('openai', 'gpt-4o-2024-08-06')?.from).toBe('override');
    // and leave the rest of the table alone
    expect(b.resolve('openai', 'gpt-4o-mini')?.from).toBe('openai');
  });

  it('add models the file does not know', () => {
    const b = createPriceBook({ 'llama-3.3-70b-instruct': { input: 0.6, output: 0.6 } });
    expect(book.cost('openai-compatible', 'llama-3.3-70b-instruct', usage({ prompt_tokens: 1 })).known).toBe(false);
    expect(b.cost('openai-compatible', 'llama-3.3-70b-instruct', usage({ prompt_tokens: 1_000_000 }))).toEqual({ cost_usd: 0.6, known: true });
  });

  it('price Azure deployment names, exactly and case-insensitively', () => {
    const b = createPriceBook({ 'Prod-GPT4o-EastUS': { input: 2.75, cache_read: 1.375, output: 11 } });
    expect(b.resolve('azure-openai', 'Prod-GPT4o-EastUS')).toMatchObject({ from: 'override', priced_as: 'Prod-GPT4o-EastUS' });
    expect(b.priceFor('azure-openai', 'prod-gpt4o-eastus')?.input).toBe(2.75);
  });

  it('are validated, and the error names the override', () => {
    expect(() => createPriceBook({ 'my-model': { input: -1, output: 1 } })).toThrow('pricing["my-model"].input');
    expect(() => createPriceBook({ x: { input: 1, output: 1, cached: 1 } }, { path: 'config.pricing' })).toThrow('config.pricing.x.cached');
  });

  it('accept the raw config map (unknown values) and validate it', () => {
    const raw: Record<string, unknown> = { 'my-model': { input: 1, output: 1 } };
    expect(createPriceBook(raw).priceFor('openai-compatible', 'my-model')).toEqual({ input: 1, output: 1 });
  });
});

describe('unknown models', () => {
  it('cost 0 and are reported as unknown, never guessed', () => {
    expect(book.cost('openai', 'gpt-9-ultra', usage({ prompt_tokens: 1_000, completion_tokens: 1_000 }))).toEqual({ cost_usd: 0, known: false });
    expect(book.cost('openai-compatible', 'meta-llama/llama-3.3-70b-instruct', usage({ prompt_tokens: 5 }))).toEqual({ cost_usd: 0, known: false });
    expect(book.priceFor('gemini', 'gemini-9-pro')).toBeUndefined();
    expect(book.resolve('anthropic', '')).toBeUndefined();
  });
});

describe('arithmetic hygiene', () => {
  it('rounds to 1e-10 so float noise does not leak into stored costs', () => {
    // gpt-4.1-nano: 3 x 0.10 + 7 x 0.40 = 3.1 (3.0999999999999996 in floats) / 1e6
    expect(book.cost('openai', 'gpt-4.1-nano', usage({ prompt_tokens: 3, completion_tokens: 7 })).cost_usd).toBe(0.0000031);
  });

  it('treats missing, negative or non-finite counts as zero', () => {
    const u = usage({ prompt_tokens: Number.NaN, completion_tokens: -5, cache_read_tokens: Number.POSITIVE_INFINITY });
    expect(book.cost('openai', 'gpt-4o', u)).toEqual({ cost_usd: 0, known: true });
  });

  it('never bills negative uncached input when cache counts exceed the prompt', () => {
    // 0 uncached + 100 x 1.25 (cache read) = 125 / 1e6
    expect(book.cost('openai', 'gpt-4o', usage({ prompt_tokens: 50, cache_read_tokens: 100 })).cost_usd).toBe(0.000125);
  });
});

describe('validation', () => {
  function errorOf(fn: () => unknown): PriceTableError {
    try {
      fn();
    } catch (e) {
      expect(e).toBeInstanceOf(PriceTableError);
      return e as PriceTableError;
    }
    throw new Error('expected a PriceTableError');
  }

  it('accepts a full price and returns a clean copy', () => {
    const p = parseModelPrice(
      { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75, tiers: [{ above_input_tokens: 200000, input: 6, output: 22.5, cache_read: 0.6, cache_write: 7.5 }] },
      'x',
    );
    expect(p).toEqual({ input: 3, output: 15, cache_read: 0.3, cache_write: 3.75, tiers: [{ above_input_tokens: 200000, input: 6, output: 22.5, cache_read: 0.6, cache_write: 7.5 }] });
    expect(Object.isFrozen(p)).toBe(true);
  });

  it('names the bad path', () => {
    expect(errorOf(() => parseModelPrice({ input: '2.5', output: 10 }, 'pricing.overrides["gpt-4o"]')).path).toBe('pricing.overrides["gpt-4o"].input');
    expect(errorOf(() => parseModelPrice({ input: 1 }, 'm')).message).toMatch(/^m\.output: expected a non-negative number/);
    expect(errorOf(() => parseModelPrice(null, 'pricing.overrides.x')).message).toBe('pricing.overrides.x: expected an object, got null');
    expect(errorOf(() => parseModelPrice({ input: 1, output: 1, cached_input: 0.5 }, 'm')).path).toBe('m.cached_input');
    expect(errorOf(() => parseModelPrice({ input: 1, output: Number.NaN }, 'm')).path).toBe('m.output');
  });

  it('checks tiers: shape, order, and explicit cache prices when the base has them', () => {
    expect(errorOf(() => parseModelPrice({ input: 1, output: 1, tiers: {} }, 'm')).path).toBe('m.tiers');
    expect(errorOf(() => parseModelPrice({ input: 1, output: 1, tiers: [{ input: 2, output: 2 }] }, 'm')).path).toBe('m.tiers[0].above_input_tokens');
    expect(
      errorOf(() =>
        parseModelPrice(
          { input: 1, output: 1, tiers: [{ above_input_tokens: 200, input: 2, output: 2 }, { above_input_tokens: 100, input: 3, output: 3 }] },
          'm',
        ),
      ).path,
    ).toBe('m.tiers[1].above_input_tokens');
    expect(
      errorOf(() => parseModelPrice({ input: 1, output: 1, cache_read: 0.1, tiers: [{ above_input_tokens: 10, input: 2, output: 2 }] }, 'm')).path,
    ).toBe('m.tiers[0].cache_read');
    expect(errorOf(() => parseModelPrice({ input: 1, output: 1, tiers: [{ above_input_tokens: 1.5, input: 2, output: 2 }] }, 'm')).path).toBe(
      'm.tiers[0].above_input_tokens',
    );
  });

  it('checks the whole file: dates, sources, model keys', () => {
    const good = {
      retrieved: '2026-09-23',
      source: { acme: { urls: ['https://acme.example/pricing'], retrieved: '2026-09-23' } },
      acme: { 'acme-1': { input: 1, output: 2 } },
    };
    expect(parsePriceTable(good).families.acme?.['acme-1']).toEqual({ input: 1, output: 2 });
    expect(errorOf(() => parsePriceTable({ ...good, retrieved: '23/09/2026' })).path).toBe('prices.json.retrieved');
    expect(errorOf(() => parsePriceTable({ ...good, other: { x: { input: 1, output: 1 } } })).path).toBe('prices.json.source.other');
    expect(errorOf(() => parsePriceTable({ ...good, acme: { 'Acme-1': { input: 1, output: 2 } } })).path).toBe('prices.json.acme["Acme-1"]');
    expect(errorOf(() => parsePriceTable({ ...good, acme: { 'acme-1': { input: 1 } } })).path).toBe('prices.json.acme["acme-1"].output');
    expect(
      errorOf(() => parsePriceTable({ ...good, source: { acme: { urls: ['http://insecure'], retrieved: '2026-09-23' } } })).path,
    ).toBe('prices.json.source.acme.urls[0]');
  });
});

describe('the shipped table', () => {
  it('records its sources and dates', () => {
    expect(PRICE_TABLE.retrieved).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    for (const family of ['openai', 'anthropic', 'gemini']) {
      expect(PRICE_TABLE.families[family]).toBeDefined();
      expect(PRICE_TABLE.source[family]?.urls.length).toBeGreaterThan(0);
      // The top-level date is the oldest material, so no family claims to be older than it says.
      expect(PRICE_TABLE.source[family]!.retrieved >= PRICE_TABLE.retrieved).toBe(true);
    }
  });

  it('covers the models issue 2 asks for', () => {
    const openai = [
      'gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini', 'gpt-4.1-nano', 'o1', 'o3', 'o4-mini',
      'gpt-5', 'gpt-5-mini', 'gpt-5-nano', 'text-embedding-3-small', 'text-embedding-3-large', 'text-embedding-ada-002',
    ];
    const anthropic = [
      'claude-3-5-haiku', 'claude-3-7-sonnet', 'claude-sonnet-4', 'claude-sonnet-4-5', 'claude-opus-4', 'claude-opus-4-1', 'claude-haiku-4-5',
    ];
    for (const m of openai) expect(book.resolve('openai', m)?.priced_as, m).toBe(m);
    for (const m of anthropic) expect(book.resolve('anthropic', m)?.priced_as, m).toBe(m);
    for (const m of ['gemini-2.5-pro', 'gemini-2.5-flash', 'gemini-2.5-flash-lite', 'gemini-2.0-flash']) {
      expect(book.resolve('gemini', m)?.priced_as, m).toBe(m);
    }
    expect(book.priceFor('anthropic', 'claude-sonnet-4')?.tiers?.[0]?.above_input_tokens).toBe(200_000);
    expect(book.priceFor('gemini', 'gemini-2.5-pro')?.tiers?.[0]?.above_input_tokens).toBe(200_000);
  });

  it("keeps Anthropic's published multipliers: 5-minute write = 1.25x input, read <= 0.1x input", () => {
    // Catches a mistyped price: every Claude row follows these ratios except Haiku 3, whose
    // published cache prices ($0.30 write, $0.03 read) are rounded on Anthropic's page.
    for (const [model, p] of Object.entries(PRICE_TABLE.families.anthropic ?? {})) {
      if (model === 'claude-3-haiku') continue;
      for (const rates of [p, ...(p.tiers ?? [])]) {
        expect(rates.cache_write, model).toBeCloseTo(rates.input * 1.25, 10);
        expect(rates.cache_read! <= rates.input * 0.1 + 1e-12, model).toBe(true);
      }
    }
  });

  it('prices every cache discount below the input price', () => {
    for (const [family, models] of Object.entries(PRICE_TABLE.families)) {
      for (const [model, p] of Object.entries(models)) {
        for (const rates of [p, ...(p.tiers ?? [])]) {
          if (rates.cache_read !== undefined) expect(rates.cache_read < rates.input, `${family}/${model}`).toBe(true);
        }
      }
    }
  });
});
