import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { copyWith } from '@periscope/contract';
import { createPriceBook } from '../pricing/price-book.ts';
import { resolveProvider } from '../routing/resolve-provider.ts';
import { parseCidr } from '../net/address-policy.ts';
import { BUILT_IN_PROVIDERS } from '../providers/registry.ts';
import { BACKGROUND_PRIORITIES, configSchema, type BackgroundPriority, type PeriscopeConfig } from '@periscope/contract';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Replaces `${VAR}` and `${VAR:-default}`; an unset variable without a default is an error that names it. */
function expandEnv(value: unknown, path: string, env: NodeJS.ProcessEnv): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?\}/g, (_m, name: string, hasDefault?: string, def?: string) => {
      const v = env[name];
      if (v !== undefined && v !== '') return v;
      if (hasDefault !== undefined) return def ?? '';
      throw new ConfigError(`${path}: environment variable ${name} is not set`);
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => expandEnv(v, `${path}[${i}]`, env));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expandEnv(v, path ? `${path}.${k}` : k, env)]));
  }
  return value;
}

/**
 * Validates a raw config object; errors name the bad path, e.g. "providers.openai.type: ...".
 * PERISCOPE_BACKGROUND_PRIORITY in `env` overrides `logging.background_priority`.
 */
export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env): PeriscopeConfig {
  const base = (raw ?? {}) as Record<string, unknown>;
  if (typeof base !== 'object' || Array.isArray(base)) throw new ConfigError('config must be a YAML mapping');
  const withDefaults = copyWith(base, { providers: copyWith(BUILT_IN_PROVIDERS, (base.providers as Record<string, unknown> | undefined) ?? {}) });
  const expanded = expandEnv(withDefaults, '', env);
  const result = configSchema.safeParse(expanded);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const path = issue.path.map(String).join('.') || '(root)';
    throw new ConfigError(`invalid config at ${path}: ${issue.message}`);
  }
  const config = result.data;
  const priority = env.PERISCOPE_BACKGROUND_PRIORITY;
  if (priority) {
    if (!(BACKGROUND_PRIORITIES as readonly string[]).includes(priority)) {
      throw new ConfigError(`invalid PERISCOPE_BACKGROUND_PRIORITY "${priority}": one of ${BACKGROUND_PRIORITIES.join(', ')} (it overrides logging.background_priority)`);
    }
    config.logging.background_priority = priority as BackgroundPriority;
  }
  const rawLogging = base.logging as Record<string, unknown> | undefined;
  if (config.kafka.spool && rawLogging?.spool === undefined) config.logging.spool = config.kafka.spool;
  for (const [name, p] of Object.entries(config.providers)) {
    if (p.api_key === '') delete p.api_key;
    if (!p.base_url && p.type !== 'azure-openai' && BUILT_IN_PROVIDERS[p.type]) p.base_url = BUILT_IN_PROVIDERS[p.type]!.base_url;
    if (!p.base_url) throw new ConfigError(`invalid config at providers.${name}.base_url: required for type ${p.type}`);
  }
  try {
    createPriceBook(config.pricing); // validates every override; the error names the bad path
  } catch (err) {
    throw new ConfigError(`invalid config at ${(err as Error).message}`);
  }
  config.gateway.allow_private_networks.forEach((cidr, i) => {
    try {
      parseCidr(cidr);
    } catch (err) {
      throw new ConfigError(`invalid config at gateway.allow_private_networks.${i}: ${(err as Error).message}`);
    }
  });
  for (const [name, p] of Object.entries(config.providers)) {
    if (p.keys && p.api_key) throw new ConfigError(`invalid config at providers.${name}: set api_key or keys, not both`);
  }
  for (const [model, m] of Object.entries(config.models)) {
    m.deployments.forEach((d, i) => {
      if (!Object.hasOwn(config.providers, d.provider)) {
        throw new ConfigError(`invalid config at models.${model}.deployments.${i}.provider: unknown provider "${d.provider}"`);
      }
    });
    m.fallbacks.forEach((f, i) => {
      if (f === model) throw new ConfigError(`invalid config at models.${model}.fallbacks.${i}: a model cannot fall back to itself`);
      if (Object.hasOwn(config.models, f)) return;
      try {
        resolveProvider(config, undefined, f, undefined, 'chat.completions');
      } catch {
        throw new ConfigError(`invalid config at models.${model}.fallbacks.${i}: "${f}" is neither under models: nor a model name a configured provider serves`);
      }
    });
  }
  config.limits.forEach((l, i) => {
    if (l.rpm === undefined && l.tpm === undefined && l.concurrency === undefined && l.budget_usd === undefined && l.per_session === undefined) {
      throw new ConfigError(`invalid config at limits.${i}: set at least one of rpm, tpm, concurrency, budget_usd, per_session`);
    }
    if (l.per_session && l.per_session.budget_usd === undefined && l.per_session.tokens === undefined) {
      throw new ConfigError(`invalid config at limits.${i}.per_session: name a budget_usd or tokens`);
    }
    if (l.budget_usd && Object.keys(l.budget_usd).length === 0) {
      throw new ConfigError(`invalid config at limits.${i}.budget_usd: name a day, week or month budget`);
    }
  });
  return config;
}

export function loadConfigFile(path: string | undefined, env: NodeJS.ProcessEnv = process.env): PeriscopeConfig {
  if (!path) return parseConfig({}, env);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path} is not valid YAML: ${(err as Error).message}`);
  }
  return parseConfig(raw, env);
}
