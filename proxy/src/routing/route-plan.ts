import { trimTrailing } from '../trim-trailing.ts';
import type { PeriscopeConfig, ProviderConfig, RetryConfig, RetryTrigger, ModelConfig } from '@periscope/contract';
import { GatewayError } from '../errors.ts';
import type { Endpoint } from '../providers/types.ts';
import { resolveProvider } from './resolve-provider.ts';
import { allowedTargetUrl } from '../net/target-url.ts';

/** One place a model can be served: a provider and the model name sent to it. */
export interface Deployment {
  /** `provider/model`, the key of its health and latency stats. */
  id: string;
  provider: string;
  providerConfig: ProviderConfig;
  /** Model to send upstream; undefined = the client's model, unchanged. */
  upstreamModel: string | undefined;
  weight: number;
  /** The operator's config chose the provider, so the configured key replaces the client's. */
  viaAlias: boolean;
  /** A destination the client named (Periscope-Target-Url): connect only through the SSRF guard. */
  guarded: boolean;
}

/** A model the call may be served by: its deployments and how to retry inside them. */
export interface RouteGroup {
  /** The name clients send (the requested model, or a fallback's name). */
  name: string;
  strategy: ModelConfig['strategy'];
  deployments: Deployment[];
  retry: RetryConfig;
  fallbackOn: RetryTrigger[];
  attemptTimeoutMs: number | undefined;
  deadlineMs: number | undefined;
}

/** The requested model's group first, then its fallbacks in order. */
export interface RoutePlan {
  groups: RouteGroup[];
}

export interface RouteOverrides {
  /** `Periscope-Provider`: restricts a model's deployments to this provider. */
  provider: string | undefined;
  /** `Periscope-Fallbacks`: replaces the configured fallback list. */
  fallbacks: string[] | undefined;
  /** `Periscope-Retry-Enabled: false` turns retries off. */
  retryEnabled: boolean | undefined;
  /** `Periscope-Retry-Num`: retries after the first attempt. */
  retryNum: number | undefined;
}

export const NO_OVERRIDES: RouteOverrides = { provider: undefined, fallbacks: undefined, retryEnabled: undefined, retryNum: undefined };

/** A chain longer than this is a configuration mistake, not resilience. */
const MAX_GROUPS = 6;

function deploymentOf(config: PeriscopeConfig, provider: string, upstreamModel: string | undefined, weight: number, viaAlias: boolean): Deployment {
  return {
    id: `${provider}/${upstreamModel ?? '*'}`,
    provider,
    providerConfig: config.providers[provider]!,
    upstreamModel,
    weight,
    viaAlias,
    guarded: false,
  };
}

function groupFor(
  config: PeriscopeConfig,
  name: string,
  model: ModelConfig | undefined,
  deployments: Deployment[],
  overrides: RouteOverrides,
): RouteGroup {
  const base = model?.retry ?? config.routing.retry;
  let attempts = base.attempts;
  if (overrides.retryNum !== undefined) attempts = overrides.retryNum;
  if (overrides.retryEnabled === false) attempts = 0;
  return {
    name,
    strategy: model?.strategy ?? 'weighted',
    deployments,
    retry: Object.assign({}, base, { attempts }),
    fallbackOn: model?.fallback_on ?? config.routing.fallback_on,
    attemptTimeoutMs: model?.attempt_timeout_ms,
    deadlineMs: model?.deadline_ms,
  };
}

/** A configured model's deployments, narrowed to one provider when the client asked for it. */
function modelGroup(config: PeriscopeConfig, name: string, model: ModelConfig, overrides: RouteOverrides): RouteGroup {
  let chosen = model.deployments;
  if (overrides.provider) {
    chosen = chosen.filter((d) => d.provider === overrides.provider);
    if (chosen.length === 0) {
      throw new GatewayError('unknown_provider', `Model "${name}" has no deployment on provider "${overrides.provider}" (Periscope-Provider).`);
    }
  }
  const deployments = chosen.map((d) => deploymentOf(config, d.provider, d.model ?? name, d.weight, true));
  return groupFor(config, name, model, deployments, overrides);
}

const configuredModel = (config: PeriscopeConfig, name: string): ModelConfig | undefined =>
  Object.hasOwn(config.models, name) ? config.models[name] : undefined;

/**
 * Where a call may go, in order. The provider prefix pins one provider; a `models:` entry
 * gives its deployments, retry policy and fallbacks; any other model goes where the
 * gateway-core rules send it (patterns, then the Periscope-Provider header).
 */
export function buildRoutePlan(
  config: PeriscopeConfig,
  prefix: string | undefined,
  model: string | undefined,
  endpoint: Endpoint,
  overrides: RouteOverrides = NO_OVERRIDES,
  targetUrl?: string,
): RoutePlan {
  const requested = model ? configuredModel(config, model) : undefined;
  let primary: RouteGroup;
  if (!prefix && targetUrl) {
    primary = groupFor(config, model ?? '', undefined, [targetDeployment(config, targetUrl, endpoint)], overrides);
    return { groups: [primary] };
  }
  if (!prefix && model && requested) {
    primary = modelGroup(config, model, requested, overrides);
  } else {
    const resolved = resolveProvider(config, prefix, model, overrides.provider, endpoint);
    primary = groupFor(config, model ?? '', undefined, [deploymentOf(config, resolved.name, undefined, 1, false)], overrides);
  }
  const groups = [primary];
  const fallbackNames = overrides.fallbacks ?? requested?.fallbacks ?? [];
  for (const name of fallbackNames) {
    if (groups.length >= MAX_GROUPS) break;
    if (groups.some((g) => g.name === name)) continue;
    const fallback = configuredModel(config, name);
    if (fallback) {
      groups.push(modelGroup(config, name, fallback, Object.assign({}, overrides, { provider: undefined })));
    } else {
      // A plain model name: the provider its name implies, with the configured key.
      const resolved = resolveProvider(config, undefined, name, undefined, endpoint);
      groups.push(groupFor(config, name, undefined, [deploymentOf(config, resolved.name, name, 1, true)], overrides));
    }
  }
  return { groups };
}

/**
 * A call to an allow-listed Periscope-Target-Url: the URL is the base URL the client's SDK
 * would use (`https://api.together.xyz/v1`; for Anthropic calls, without `/v1`), the key is
 * the client's own, and the connection goes through the SSRF guard.
 */
function targetDeployment(config: PeriscopeConfig, value: string, endpoint: Endpoint): Deployment {
  const url = allowedTargetUrl(value, config.gateway.target_urls);
  const anthropic = endpoint === 'messages' || endpoint === 'messages.count_tokens';
  const providerConfig: ProviderConfig = { type: anthropic ? 'anthropic' : 'openai-compatible', base_url: trimTrailing(url.href, '/'), inject_stream_usage: true };
  return { id: `target/${url.host}`, provider: `target:${url.host}`, providerConfig, upstreamModel: undefined, weight: 1, viaAlias: false, guarded: true };
}

/** `Periscope-Fallbacks: a, b` (also a JSON array). */
export function parseFallbackHeader(value: string | undefined): string[] | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      const list = JSON.parse(trimmed) as unknown;
      if (Array.isArray(list) && list.every((x) => typeof x === 'string')) return list.map((x) => x.trim()).filter(Boolean);
    } catch {
      // fall through to the error below
    }
    throw new GatewayError('invalid_request', 'Periscope-Fallbacks must be a comma-separated list of models or a JSON array of strings.');
  }
  return trimmed.split(',').map((x) => x.trim()).filter(Boolean);
}
