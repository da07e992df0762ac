import { withStore } from '../one-off.ts';
import { count, env, loadConfig, option } from '../options.ts';
import { pricesCheck } from '../prices-check.ts';

export async function pricesCheckCommand(values: Record<string, unknown>): Promise<void> {
  const days = count(values, 'days', 7, 400);
  const url = option(values, 'url');
  return pricesCheck({ days, url, token: env.PERISCOPE_ADMIN_TOKEN, log: (l) => console.log(l), withStore: url ? undefined : (work) => withStore(values, work), config: () => loadConfig(values, false) });
}
