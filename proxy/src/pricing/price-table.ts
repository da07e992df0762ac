// The price table: prices.json and the config's `pricing:` overrides, validated into typed prices.

import prices from './prices.json' with { type: 'json' };
import type { PriceTier, ModelPrice, PriceSource, PriceTable } from './price-types.ts';

/** A price table or override that does not have the expected shape; `path` names the bad value. */
export class PriceTableError extends Error {
  readonly path: string;
  constructor(path: string, problem: string) {
    super(`${path}: ${problem}`);
    this.name = 'PriceTableError';
    this.path = path;
  }
}

const CACHE_PRICE_FIELDS = ['cache_read', 'cache_write', 'cache_write_1h'] as const;
const PRICE_FIELDS = ['input', 'output', ...CACHE_PRICE_FIELDS, 'tiers', 'note'] as const;
const TIER_FIELDS = ['above_input_tokens', 'input', 'output', ...CACHE_PRICE_FIELDS] as const;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function childPath(path: string, key: string | number): string {
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
