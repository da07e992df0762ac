/** The command line's shared options: flags with their environment fallbacks, the config file, the listen address. */
import { existsSync } from 'node:fs';
import { loadConfigFile } from '@periscope/proxy';
import { parseBrokers } from '@periscope/spool';

export const env = process.env;

/** A mistake in the command line: exit code 2 and the message, no stack. */
export class UsageError extends Error {}

export function option(values: Record<string, unknown>, name: string, envName?: string): string | undefined {
  const v = values[name];
  if (typeof v === 'string' && v !== '') return v;
  return envName ? env[envName] || undefined : undefined;
}

export function configPath(values: Record<string, unknown>): string | undefined {
  const explicit = option(values, 'config', 'PERISCOPE_CONFIG');
  if (explicit) return explicit;
  return existsSync('periscope.yaml') ? 'periscope.yaml' : undefined;
}

export function listenOptions(values: Record<string, unknown>, defaultPort: number) {
  const port = Number(option(values, 'port', 'PERISCOPE_PORT') ?? defaultPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535`);
  return { port, host: option(values, 'host', 'PERISCOPE_HOST') ?? '127.0.0.1' };
}

/** The config file, with `--kafka` / PERISCOPE_KAFKA_BROKERS overriding `kafka.brokers`. */
export function loadConfig(values: Record<string, unknown>, requireKafka: boolean) {
  const config = loadConfigFile(configPath(values));
  const brokers = option(values, 'kafka', 'PERISCOPE_KAFKA_BROKERS');
  if (brokers) config.kafka.brokers = parseBrokers(brokers);
  if (requireKafka && config.kafka.brokers.length === 0) throw new UsageError('this role needs --kafka HOST:PORT (or PERISCOPE_KAFKA_BROKERS)');
  return config;
}

export function count(values: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const n = Number(option(values, name) ?? fallback);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError(`--${name} must be an integer from 1 to ${max}`);
  return n;
}
