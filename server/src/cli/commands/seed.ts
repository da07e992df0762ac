import { count, env, option } from '../options.ts';
import { seed } from '../seed-command.ts';

export async function seedCommand(values: Record<string, unknown>): Promise<void> {
  await seed({
    rows: count(values, 'rows', 1_000_000, 100_000_000),
    project: option(values, 'project') ?? 'demo',
    days: count(values, 'days', 7, 400),
    seed: count(values, 'seed', 42, 2 ** 31),
    dataDir: option(values, 'data-dir', 'PERISCOPE_DATA_DIR'),
    clickhouseUrl: option(values, 'clickhouse-url', 'PERISCOPE_CLICKHOUSE_URL'),
    env,
    log: (line) => console.log(line),
  });
}
