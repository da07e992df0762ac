// Cost in USD from the shipped price table (prices.json) plus config overrides.
//
// Unknown models cost 0 and come back with `known: false`; the caller owns the
// metrics registry, so it counts the warning. Nothing here logs or guesses.

import prices from './prices.json' with { type: 'json' };

/** Token counts of one call, already normalised by the provider adapter. */
export interface Usage {
  /**
   * TOTAL input tokens, cached reads and cache writes included. OpenAI's
   * prompt_tokens already is; for Anthropic pass
   * input_tokens + cache_read_input_tokens + cache_creation_input_tokens.
   */
  prompt_tokens: number;
  /** Output tokens, reasoning tokens included (OpenAI semantics). */
  completion_tokens: number;
  cache_read_tokens: number;
  /** Every cache write, of any duration. */
  cache_write_tokens: number;
  /** Of cache_write_tokens, those written for 1 hour (Anthropic `ttl: "1h"`); the rest are 5-minute writes. */
  cache_write_1h_tokens?: number;
  /** Informational: already inside completion_tokens and billed at the output price. */
  reasoning_tokens: number;
}

/** Prices in USD per million tokens that apply once the prompt exceeds a size. */
export interface PriceTier {
  /** The tier applies when prompt_tokens is strictly greater than this. */
  above_input_tokens: number;
  input: number;
  output: number;
  cache_read?: number;
  cache_write?: number;
  cache_write_1h?: number;
}

/** Prices in USD per million tokens. */
export interface ModelPrice {
  input: number;
  output: number;
  /** Cache hits; the input price when absent (providers that do not discount). */
  cache_read?: number;
  /** Cache writes (Anthropic: the 5-minute write); the input price when absent. */
  cache_write?: number;
  /** Anthropic's 1-hour cache write; the cache_write price when absent. */
  cache_write_1h?: number;
  /** Long-context prices, ascending by above_input_tokens. */
  tiers?: PriceTier[];
  /** Free text for humans (for example the 1h cache-write price); never read by code. */
  note?: string;
}

export interface PriceSource {
  urls: string[];
  /** YYYY-MM-DD: the date of the material the family's prices were read from. */
  retrieved: string;
}

export interface PriceTable {
  /** YYYY-MM-DD of the oldest material behind the table. */
  retrieved: string;
  note?: string;
  source: Record<string, PriceSource>;
  /** family (openai, anthropic, gemini, ...) -> model -> price */
  families: Record<string, Record<string, ModelPrice>>;
}

export interface CostResult {
  cost_usd: number;
  known: boolean;
}

export interface ResolvedPrice {
  price: ModelPrice;
  /** The table key (or override key) that matched. */
  priced_as: string;
  /** 'override' or the family the price came from. */
  from: string;
}

/** What the gateway needs; small so tests can hand in a fake. */
export interface PriceBook {
  /** `provider` is the provider *type* (openai, azure-openai, anthropic, gemini, openai-compatible). */
  priceFor(provider: string, model: string): ModelPrice | undefined;
  /** `known: false` (and cost 0) when no price matches: the caller counts that warning. */
  cost(provider: string, model: string, usage: Usage): CostResult;
}

export interface ResolvingPriceBook extends PriceBook {
  /** Like priceFor, but says which name and which table matched (for logs and debugging). */
  resolve(provider: string, model: string): ResolvedPrice | undefined;
}

/** A price table or override that does not have the expected shape; `path` names the bad value. */
export class PriceTableError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'PriceTableError';
    this.path = path;
  }
}

// ---------------------------------------------------------------- validation

const CACHE_PRICE_FIELDS = ['cache_read', 'cache_write', 'cache_write_1h'] as const;
const PRICE_FIELDS = ['input', 'output', ...CACHE_PRICE_FIELDS, 'tiers', 'note'] as const;
const TIER_FIELDS = ['above_input_tokens', 'input', 'output', ...CACHE_PRICE_FIELDS] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function expectRecord(value: unknown, path: string): Record<string, unknown> {
  if (!isRecord(value)) throw new PriceTableError(path, `expected an object, got ${describe(value)}`);
  return value;
}

function rejectUnknownKeys(obj: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(obj)) {
    // A misspelt field (cached_input, cacheRead) would otherwise be ignored and silently bill at the input price.
    if (!allowed.includes(key)) {
      throw new PriceTableError(childPath(path, key), `unknown field (expected one of ${allowed.join(', ')})`);
    }
  }
}

function price(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new PriceTableError(path, `expected a non-negative number (USD per million tokens), got ${describe(value)}`);
  }
  return value;
}

function optionalPrice(obj: Record<string, unknown>, key: string, path: string): number | undefined {
  return obj[key] === undefined ? undefined : price(obj[key], childPath(path, key));
}

function parseTier(value: unknown, path: string, base: ModelPrice, previous: PriceTier | undefined): PriceTier {
  const obj = expectRecord(value, path);
  rejectUnknownKeys(obj, TIER_FIELDS, path);
  const above = obj.above_input_tokens;
  if (typeof above !== 'number' || !Number.isInteger(above) || above < 0) {
    throw new PriceTableError(
      childPath(path, 'above_input_tokens'),
      `expected a non-negative integer token count, got ${describe(above)}`,
    );
  }
  if (previous && above <= previous.above_input_tokens) {
    throw new PriceTableError(
      childPath(path, 'above_input_tokens'),
      `tiers must be in ascending order; ${above} does not exceed the previous tier's ${previous.above_input_tokens}`,
    );
  }
  const tier: PriceTier = {
    above_input_tokens: above,
    input: price(obj.input, childPath(path, 'input')),
    output: price(obj.output, childPath(path, 'output')),
  };
  for (const key of CACHE_PRICE_FIELDS) {
    const v = optionalPrice(obj, key, path);
    // Falling back to the tier's input price would silently bill cache traffic at full price
    // when the base rate discounts it; make the table say what it means.
    if (v === undefined && base[key] !== undefined) {
      throw new PriceTableError(childPath(path, key), `required because the base price sets ${key}`);
    }
    if (v !== undefined) tier[key] = v;
  }
  return Object.freeze(tier);
}

/**
 * Validates one model's prices (from prices.json or a config override).
 * Throws PriceTableError whose message starts with the path of the bad value.
 */
export function parseModelPrice(value: unknown, path: string): ModelPrice {
  const obj = expectRecord(value, path);
  rejectUnknownKeys(obj, PRICE_FIELDS, path);
  const result: ModelPrice = {
    input: price(obj.input, childPath(path, 'input')),
    output: price(obj.output, childPath(path, 'output')),
  };
  for (const key of CACHE_PRICE_FIELDS) {
    const v = optionalPrice(obj, key, path);
    if (v !== undefined) result[key] = v;
  }
  if (obj.note !== undefined) {
    if (typeof obj.note !== 'string') {
      throw new PriceTableError(childPath(path, 'note'), `expected a string, got ${describe(obj.note)}`);
    }
    result.note = obj.note;
  }
  if (obj.tiers !== undefined) {
    const tiersPath = childPath(path, 'tiers');
    if (!Array.isArray(obj.tiers)) {
      throw new PriceTableError(tiersPath, `expected an array of tiers, got ${describe(obj.tiers)}`);
    }
    const tiers: PriceTier[] = [];
    obj.tiers.forEach((t: unknown, i) => {
      tiers.push(parseTier(t, childPath(tiersPath, i), result, tiers[i - 1]));
    });
    result.tiers = Object.freeze(tiers) as PriceTier[];
  }
  return Object.freeze(result);
}

function parseDate(value: unknown, path: string): string {
  if (typeof value !== 'string' || !DATE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new PriceTableError(path, `expected a date as YYYY-MM-DD, got ${describe(value)}`);
  }
  return value;
}

function parseSource(value: unknown, path: string): PriceSource {
  const obj = expectRecord(value, path);
  rejectUnknownKeys(obj, ['urls', 'retrieved'], path);
  const urlsPath = childPath(path, 'urls');
  if (!Array.isArray(obj.urls) || obj.urls.length === 0) {
    throw new PriceTableError(urlsPath, `expected a non-empty array of URLs, got ${describe(obj.urls)}`);
  }
  const urls = obj.urls.map((u: unknown, i) => {
    if (typeof u !== 'string' || !/^https:\/\/\S+$/.test(u)) {
      throw new PriceTableError(childPath(urlsPath, i), `expected an https URL, got ${describe(u)}`);
    }
    return u;
  });
  return { urls, retrieved: parseDate(obj.retrieved, childPath(path, 'retrieved')) };
}

/**
 * Validates the whole price file. Every top-level key other than `retrieved`, `note` and
 * `source` is a provider family mapping model -> price, and must name its source.
 */
export function parsePriceTable(value: unknown, path = 'prices.json'): PriceTable {
  const root = expectRecord(value, path);
  const retrieved = parseDate(root.retrieved, childPath(path, 'retrieved'));
  let note: string | undefined;
  if (root.note !== undefined) {
    if (typeof root.note !== 'string') {
      throw new PriceTableError(childPath(path, 'note'), `expected a string, got ${describe(root.note)}`);
    }
    note = root.note;
  }
  const sourcePath = childPath(path, 'source');
  const sourceObj = expectRecord(root.source, sourcePath);
  const source: Record<string, PriceSource> = {};
  for (const [family, s] of Object.entries(sourceObj)) source[family] = parseSource(s, childPath(sourcePath, family));

  const families: Record<string, Record<string, ModelPrice>> = {};
  for (const [family, models] of Object.entries(root)) {
    if (family === 'retrieved' || family === 'note' || family === 'source') continue;
    const familyPath = childPath(path, family);
    if (!source[family]) {
      // The issue asks for every price to carry its source and date.
      throw new PriceTableError(childPath(sourcePath, family), 'missing: every price family must record its source');
    }
    const table: Record<string, ModelPrice> = {};
    for (const [model, p] of Object.entries(expectRecord(models, familyPath))) {
      const modelPath = childPath(familyPath, model);
      // Lookups lower-case the requested name, so a mixed-case key could never match.
      if (model !== model.toLowerCase() || model.trim() !== model || model === '') {
        throw new PriceTableError(modelPath, 'model names must be non-empty, trimmed and lower-case');
      }
      table[model] = parseModelPrice(p, modelPath);
    }
    families[family] = table;
  }
  for (const family of Object.keys(source)) {
    if (!families[family]) throw new PriceTableError(childPath(sourcePath, family), 'names a family that has no prices');
  }
  return { retrieved, ...(note === undefined ? {} : { note }), source, families };
}

/** The shipped table, validated when this module loads so a bad edit fails at startup, not per request. */
export const PRICE_TABLE: PriceTable = parsePriceTable(prices, 'prices.json');

// ------------------------------------------------------------ name resolution

/** Provider *types* from the config and the price family they bill at. */
const PROVIDER_FAMILIES: Record<string, readonly string[]> = {
  openai: ['openai'],
  'azure-openai': ['openai'],
  azure: ['openai'],
  anthropic: ['anthropic'],
  gemini: ['gemini'],
  google: ['gemini'],
};

/** OpenRouter-style qualifiers (`openai/gpt-4o`) that tell which family to try first. */
const QUALIFIER_FAMILIES: Record<string, string> = {
  openai: 'openai',
  anthropic: 'anthropic',
  google: 'gemini',
  gemini: 'gemini',
};

// Version suffixes that name a snapshot of the same model (and, by the providers'
// convention, the same price). Snapshots that do NOT share their alias's price are
// listed in prices.json under their full name, and an exact match always wins.
const SUFFIXES: readonly RegExp[] = [
  /\[[^\]]*\]$/, // Claude Code's context marker: claude-sonnet-4-5[1m]
  /-v\d+(?::\d+)?$/, // Bedrock: ...-v1:0
  /-latest$/,
  /-\d{4}-\d{2}-\d{2}$/, // OpenAI: gpt-4o-mini-2024-07-18
  /-\d{8}$/, // Anthropic: claude-sonnet-4-5-20250929
  /-\d{3}$/, // Gemini: gemini-2.0-flash-001
];

function qualifierOf(model: string): string | undefined {
  const lower = model.trim().toLowerCase();
  const slash = lower.lastIndexOf('/');
  if (slash > 0) return lower.slice(0, slash).split('/').pop();
  if (/^(?:[a-z]+\.)?anthropic\.claude/.test(lower)) return 'anthropic';
  return undefined;
}

/**
 * The names to try for a requested model, most specific first, all lower-case:
 * the name itself, then without its provider qualifier, then with snapshot/version
 * suffixes stripped one at a time.
 */
export function modelNameCandidates(model: string): string[] {
  const out: string[] = [];
  const add = (name: string): void => {
    if (name !== '' && !out.includes(name)) out.push(name);
  };
  let name = model.trim().toLowerCase();
  add(name);

  const slash = name.lastIndexOf('/');
  if (slash >= 0) name = name.slice(slash + 1); // openai/gpt-4o, models/gemini-2.5-pro
  name = name.replace(/^(?:[a-z]+\.)?anthropic\./, ''); // Bedrock: us.anthropic.claude-...
  name = name.replace(/@.*$/, ''); // Vertex: claude-3-5-haiku@20241022
  add(name);

  if (name.startsWith('claude')) {
    // OpenRouter writes Claude versions with dots (claude-sonnet-4.5); Anthropic uses hyphens.
    name = name.replace(/(\d)\.(?=\d)/g, '$1-');
    add(name);
  }

  for (let changed = true; changed; ) {
    changed = false;
    for (const suffix of SUFFIXES) {
      const stripped = name.replace(suffix, '');
      if (stripped !== name && stripped !== '') {
        name = stripped;
        add(name);
        changed = true;
      }
    }
  }

  // Anthropic's "-0" aliases (claude-sonnet-4-0) name the first release of a major version.
  const zero = /^(claude-.*-\d+)-0$/.exec(name);
  if (zero?.[1]) add(zero[1]);
  return out;
}

/** The most-stripped form of a model name: a stable, low-cardinality label for metrics. */
export function normalizeModelName(model: string): string {
  const candidates = modelNameCandidates(model);
  return candidates[candidates.length - 1] ?? model;
}

/**
 * The price families to search for a provider type, in order. openai-compatible hosts
 * (and types this table has no mapping for) search every family by model name, trying
 * the one named by an OpenRouter-style qualifier first.
 */
function familiesFor(providerType: string, model: string, table: PriceTable = PRICE_TABLE): string[] {
  const mapped = PROVIDER_FAMILIES[providerType.trim().toLowerCase()];
  if (mapped) return [...mapped];
  const all = Object.keys(table.families);
  const qualifier = qualifierOf(model);
  const hinted = qualifier === undefined ? undefined : QUALIFIER_FAMILIES[qualifier];
  return hinted && all.includes(hinted) ? [hinted, ...all.filter((f) => f !== hinted)] : all;
}

// ------------------------------------------------------------------- costing

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

  return {
    resolve,
    priceFor: (provider, model) => resolve(provider, model)?.price,
    cost(provider, model, usage) {
      const found = resolve(provider, model);
      if (!found) return { cost_usd: 0, known: false };
      return { cost_usd: computeCost(found.price, usage), known: true };
    },
  };
}
