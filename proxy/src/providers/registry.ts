import type { ProviderConfigInput, ProviderType } from '@periscope/contract';
import type { ProviderAdapter, ProviderDefinition } from './types.ts';
import { openai } from './openai/index.ts';
import { anthropic } from './anthropic/index.ts';
import { gemini } from './gemini/index.ts';
import { openaiCompatible } from './openai-compatible/index.ts';
import { azureOpenai } from './azure-openai/index.ts';

/**
 * Every provider type, one line each (a new provider: its folder, and a line here and in the
 * config schema's PROVIDER_TYPES). The order is the order model-name patterns are tried in.
 */
const PROVIDERS: Record<ProviderType, ProviderDefinition> = {
  openai,
  anthropic,
  gemini,
  'openai-compatible': openaiCompatible,
  'azure-openai': azureOpenai,
};

export function adapterFor(type: ProviderType): ProviderAdapter {
  return PROVIDERS[type].adapter;
}

const definitions = Object.entries(PROVIDERS) as Array<[ProviderType, ProviderDefinition]>;

/** Providers every install has, so `/openai/...` and `/anthropic/...` work without a config file (named after their type). */
export const BUILT_IN_PROVIDERS: Record<string, ProviderConfigInput> = Object.fromEntries(
  definitions.flatMap(([type, d]) => (d.builtIn ? [[type, { type, ...d.builtIn }]] : [])),
);

/** Well-known model name families, in the registry's order. */
export const MODEL_PATTERNS: ReadonlyArray<[RegExp, ProviderType]> = definitions.flatMap(([type, d]) => (d.modelPattern ? [[d.modelPattern, type] as [RegExp, ProviderType]] : []));

/** Provider types (and aliases) and the price families they bill at. */
export const PROVIDER_FAMILIES: Record<string, readonly string[]> = Object.fromEntries(
  definitions.flatMap(([type, d]) => (d.priceFamilies ? [type, ...(d.priceAliases ?? [])].map((name) => [name, d.priceFamilies!]) : [])),
);
