/**
 * What every system and scenario of a run shares: the pinning (set up first, so every process
 * started afterwards inherits the others core), the mock upstream, a run directory, and a Kafka
 * broker started on first use.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafkaBroker, type KafkaBroker } from '@periscope/testkit';
import { goToolBinary } from './go-tool.ts';
import { startBenchMock, type BenchMock } from './mock-upstream.ts';
import { setUpPinning } from './pinning.ts';
import type { Environment } from './systems/system.ts';

export interface RunEnvironment {
  env: Environment;
  mock: BenchMock;
  /** Stops the broker and the mock and removes the run directory. */
  close(): Promise<void>;
}

export async function createEnvironment(log: (msg: string) => void, o: { pin: boolean; keepRunDir?: boolean }): Promise<RunEnvironment> {
  const pinning = o.pin ? setUpPinning() : { enabled: false, note: 'not pinned' };
  const runDir = await mkdtemp(join(tmpdir(), 'periscope-bench-run-'));
  // Both Go tools are built now, not in the middle of the first system's turn.
  await Promise.all([goToolBinary('mock-upstream'), goToolBinary('stream-clients')]);
  const mock = await startBenchMock();
  let broker: Promise<KafkaBroker> | undefined;
  const env: Environment = {
    mockUrl: mock.url,
    runDir,
    pinning,
    kafkaBrokers: async () => {
      broker ??= startKafkaBroker({ dir: join(runDir, 'kafka') });
      return (await broker).brokers;
    },
    log,
  };
  return {
    env,
    mock,
    close: async () => {
      if (broker) await (await broker.catch(() => undefined))?.stop();
      await mock.stop();
      if (o.keepRunDir) log(`run directory kept: ${runDir}`);
      else await rm(runDir, { recursive: true, force: true });
    },
  };
}
