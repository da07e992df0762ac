import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafkaBroker } from './kafka-broker.ts';

const ENV = 'PERISCOPE_KAFKA_BROKERS';

/**
 * Vitest globalSetup: one throwaway broker for the whole run unless PERISCOPE_KAFKA_BROKERS names
 * one already (e.g. `scripts/kafka/kafka start`, which spares each run the broker's start-up).
 * It sets the variable in this process; Vitest builds the forks' environment from process.env
 * after global setup, so tests and the code under test read the same variable.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env[ENV]) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'periscope-kafka-'));
  const broker = await startKafkaBroker({ dir });
  process.env[ENV] = broker.brokers;
  return async () => {
    delete process.env[ENV];
    // The data is thrown away, so a controlled shutdown would only cost time.
    await broker.kill();
    await rm(dir, { recursive: true, force: true });
  };
}

/** The run's shared broker list, for tests: PERISCOPE_KAFKA_BROKERS, split on commas. */
export function kafkaBrokers(): string[] {
  const brokers = process.env[ENV];
  if (!brokers) throw new Error(`${ENV} is unset: run the tests with the root vitest.config.ts, whose globalSetup starts a broker`);
  return brokers.split(',');
}
