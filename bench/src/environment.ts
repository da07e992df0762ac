/**
 * What every system and scenario of a run shares: the pinning (set up first, so every process
 * started afterwards inherits the others core), the mock upstream, a run directory, and a Kafka
 * broker started on first use.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startKafkaBroker, threadsNotIdle, type KafkaBroker } from '@periscope/testkit';
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

/**
 * The run's Kafka broker. Pinned runs start it under SCHED_IDLE: it shares core 1 with vegeta and
 * the mock, and at normal priority its time slices delay their answers, which a broker on its own
 * machine, as deployed, would not (docs/benchmarks.md, "The broker's priority").
 */
async function startBroker(dir: string, idlePriority: boolean): Promise<KafkaBroker> {
  const broker = await startKafkaBroker({ dir, idlePriority });
  const notIdle = idlePriority ? await threadsNotIdle(broker.pid) : [];
  if (notIdle.length > 0) {
    await broker.stop();
    throw new Error(`Kafka broker: ${notIdle.length} thread(s) not under SCHED_IDLE (${notIdle[0]!.name}, …)`);
  }
  return broker;
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
      broker ??= startBroker(join(runDir, 'kafka'), pinning.enabled).then((b) => {
        pinning.background?.add(b.pid);
        return b;
      });
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
      pinning.background?.remove();
      if (o.keepRunDir) log(`run directory kept: ${runDir}`);
      else await rm(runDir, { recursive: true, force: true });
    },
  };
}
