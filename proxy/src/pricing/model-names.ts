// Which prices a model name may bill at: its snapshot-free candidates and the price families to search.

import { PROVIDER_FAMILIES } from '../providers/registry.ts';
import { PRICE_TABLE } from './price-table.ts';
import type { PriceTable } from './price-types.ts';

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

/**
 * No priced model has a longer name; a longer one (clients and providers name models) is looked
 * up as it is and found unknown. Stripping suffixes is quadratic in the name's length: a 64 KB
 * name took seconds.
 */
export const MAX_PRICED_NAME_CHARS = 256;

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
  if (model.length > MAX_PRICED_NAME_CHARS) return [model.trim().toLowerCase()];
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
export function familiesFor(providerType: string, model: string, table: PriceTable = PRICE_TABLE): string[] {
  const mapped = PROVIDER_FAMILIES[providerType.trim().toLowerCase()];
  if (mapped) return [...mapped];
  const all = Object.keys(table.families);
  const qualifier = qualifierOf(model);
  const hinted = qualifier === undefined ? undefined : QUALIFIER_FAMILIES[qualifier];
  return hinted && all.includes(hinted) ? [hinted, ...all.filter((f) => f !== hinted)] : all;
}
