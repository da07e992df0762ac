import type { PeriscopeConfig, ProviderConfig, ProviderType } from '@periscope/contract';
import { GatewayError } from '../errors.ts';
import type { Endpoint } from '../providers/types.ts';
import { MODEL_PATTERNS } from '../providers/registry.ts';

export interface ResolvedProvider {
  name: string;
  config: ProviderConfig;
}

/** The provider named after the type, else the first of that type. */
export function providerOfType(config: PeriscopeConfig, type: ProviderType): string | undefined {
  if (config.providers[type]?.type === type) return type;
  return Object.keys(config.providers).find((n) => config.providers[n]!.type === type);
}

function named(config: PeriscopeConfig, name: string): ResolvedProvider {
  const p = Object.hasOwn(config.providers, name) ? config.providers[name] : undefined;
  if (!p) throw new GatewayError('unknown_provider', `Unknown provider "${name}". Configured providers: ${Object.keys(config.providers).join(', ')}.`);
  return { name, config: p };
}

/**
 * For a model not under `models:` (those are routed by route-plan.ts). Order (the contract
 * in the gateway-core issue): path prefix, then well-known model-name patterns, then the
 * `Periscope-Provider` header.
 * Calls that name no model fall back to the one provider their endpoint implies.
 */
export function resolveProvider(
  config: PeriscopeConfig,
  prefix: string | undefined,
  model: string | undefined,
  providerHeader: string | undefined,
  endpoint: Endpoint,
): ResolvedProvider {
  if (prefix) return named(config, prefix);
  if (model) {
    for (const [pattern, type] of MODEL_PATTERNS) {
      const name = pattern.test(model) ? providerOfType(config, type) : undefined;
      if (name) return named(config, name);
    }
  }
  if (providerHeader) return named(config, providerHeader.trim());
  const implied = endpoint === 'messages' || endpoint === 'messages.count_tokens' ? 'anthropic' : model ? undefined : 'openai';
  const name = implied && providerOfType(config, implied);
  if (name) return named(config, name);
  throw new GatewayError(
    'unknown_provider',
    `Cannot choose a provider for model "${model ?? ''}": add it under models: in the config, call /<provider>/v1/..., or send the Periscope-Provider header.`,
  );
}
