import type { ModelsSeenRow, Store } from '@periscope/clickhouse';
import type { PeriscopeConfig } from '@periscope/contract';
import { unpricedModels } from '@periscope/control-plane';

export interface PricesCheckOptions {
  days: number;
  /** A running Periscope's API (with the admin token); otherwise the store is opened directly. */
  url?: string;
  token?: string;
  withStore?: <T>(work: (store: Store) => Promise<T>) => Promise<T>;
  config: () => PeriscopeConfig;
  log: (line: string) => void;
}

/** `periscope prices check`: models called in the last N days that have no price; exit status 1 when there are some. */
export async function pricesCheck(o: PricesCheckOptions): Promise<void> {
  let rows: ModelsSeenRow[];
  if (o.url) {
    if (!o.token) throw new Error('prices check --url needs PERISCOPE_ADMIN_TOKEN');
    const res = await fetch(new URL(`/api/agents/unpriced?days=${o.days}`, o.url), { headers: { authorization: `Bearer ${o.token}` } });
    const body = (await res.json()) as { data?: ModelsSeenRow[]; error?: { message: string } };
    if (!res.ok) throw new Error(`the server refused: ${body.error?.message ?? res.status}`);
    rows = body.data ?? [];
  } else {
    const config = o.config();
    rows = await o.withStore!(async (store) => unpricedModels(store, config, [...new Set((await store.listKeys()).map((k) => k.project_id))], o.days));
  }
  if (rows.length === 0) {
    o.log(`Every model called in the last ${o.days} days has a price.`);
    return;
  }
  o.log(`Models called in the last ${o.days} days without a price (their calls cost $0; add them under pricing: in the config):`);
  for (const r of rows) o.log(`  ${r.provider}\t${r.model}${r.model_served && r.model_served !== r.model ? ` (served as ${r.model_served})` : ''}\t${r.requests} calls, last ${r.last_seen}`);
  process.exitCode = 1;
}
