import type { ModelsSeenRow, Store } from '@periscope/clickhouse';
import { createPriceBook } from '@periscope/proxy';
import { type PeriscopeConfig } from '@periscope/contract';

/**
 * Models called in the last `days` days that the price table and the config's `pricing:` do
 * not price today (under the name served or the name asked for), most called first.
 */
export async function unpricedModels(store: Store, config: PeriscopeConfig, projectIds: string[], days: number, now = Date.now()): Promise<ModelsSeenRow[]> {
  const book = createPriceBook(config.pricing);
  const seen = await store.modelsSeen({ projectIds, from: now - days * 86_400_000, to: now });
  const type = (provider: string) => config.providers[provider]?.type ?? provider;
  return seen.filter((m) => !book.priceFor(type(m.provider), m.model_served || m.model) && !book.priceFor(type(m.provider), m.model));
}
